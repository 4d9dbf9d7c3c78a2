#include <doctest/doctest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "child_process.h"
#include "support/error_message.h"
#include "support/temp_folder.h"
#include "synthgrad/core/core.h"
#include "synthgrad/core/safetensors.h"
#include "synthgrad/nn/nn.h"

using namespace sg;
namespace fs = std::filesystem;

namespace {

using TempDir = sg::testing::TempFolder;

std::shared_ptr<nn::Sequential> small_model(uint64_t seed) {
  Generator gen(seed);
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(3, 5, gen));
  model->push_back(std::make_shared<nn::LayerNorm>(5));
  model->push_back(std::make_shared<nn::Linear>(5, 2, gen, false));
  return model;
}

bool same_state(const nn::Module& a, const nn::Module& b) {
  auto sa = nn::state_of(a), sb = nn::state_of(b);
  if (sa.size() != sb.size()) return false;
  for (size_t i = 0; i < sa.size(); ++i)
    if (sa[i].first != sb[i].first ||
        sa[i].second.to_vector<float>() != sb[i].second.to_vector<float>())
      return false;
  return true;
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("a module checkpoint round-trips bit for bit, with metadata") {
  TempDir dir;
  auto saved = small_model(1), loaded = small_model(2);
  CHECK_FALSE(same_state(*saved, *loaded));
  nn::save_module(*saved, dir.file("m.safetensors"), {{"note", "hello"}});
  const Metadata metadata = nn::load_module(*loaded, dir.file("m.safetensors"));
  CHECK(same_state(*saved, *loaded));
  CHECK(metadata.at("note") == "hello");
}

TEST_CASE("the header is readable by an independent safetensors reader") {
  TempDir dir;
  const Tensor w = from_vector<float>({1.5f, -2, 3, 4}, {2, 2});
  save_safetensors(dir.file("t.safetensors"), {{"w", w}, {"ids", from_vector<int64_t>({7, 8, 9})}});
  // Read by hand: u64 header length, JSON header, raw little-endian data after it.
  const std::vector<char> bytes = read_bytes(dir.file("t.safetensors"));
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  const auto header =
      nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<int64_t>(n));
  CHECK(header["w"]["dtype"] == "F32");
  CHECK(header["w"]["shape"] == nlohmann::json::array({2, 2}));
  CHECK(header["ids"]["dtype"] == "I64");
  const auto offsets = header["w"]["data_offsets"].get<std::vector<uint64_t>>();
  float values[4];
  std::memcpy(values, bytes.data() + 8 + n + offsets[0], sizeof values);
  CHECK(values[0] == 1.5f);
  CHECK(values[3] == 4.0f);
  CHECK((8 + n) % 8 == 0);
}

TEST_CASE("Python's json and struct read the file the same way (when python3 is present)") {
  if (std::system("python3 -c 'pass' > /dev/null 2>&1") != 0) {
    MESSAGE("python3 not found: the C++ reader above covers the format");
    return;
  }
  TempDir dir;
  save_safetensors(dir.file("p.safetensors"), {{"a.b", from_vector<float>({0.25f, 8}, {1, 2})}});
  const std::string script =
      "import json,struct,sys\n"
      "d=open(sys.argv[1],'rb').read()\n"
      "n=struct.unpack('<Q',d[:8])[0]\n"
      "h=json.loads(d[8:8+n])\n"
      "e=h['a.b']; b,_=e['data_offsets']\n"
      "assert e['dtype']=='F32' and e['shape']==[1,2]\n"
      "assert struct.unpack('<2f',d[8+n+b:8+n+b+8])==(0.25,8.0)\n";
  std::ofstream(dir.file("check.py")) << script;
  CHECK(std::system(
            ("python3 " + dir.file("check.py") + " " + dir.file("p.safetensors")).c_str()) == 0);
}

TEST_CASE("a mismatched load reports counts and the first names in a few lines, changing nothing") {
  TempDir dir;
  auto model = small_model(1);  // 0.weight [5, 3], 0.bias [5], 1.weight, 1.bias, 2.weight
  Generator gen(3);
  nn::Sequential other;
  other.push_back(std::make_shared<nn::Linear>(3, 4, gen));  // 0.weight [4, 3] instead of [5, 3]
  NamedTensorList state = nn::state_of(other);
  for (const char* name : {"x.a", "x.b", "x.c", "x.d"}) state.emplace_back(name, zeros({1}));
  save_safetensors(dir.file("o.safetensors"), state);
  auto before = small_model(1);
  CHECK(sg::testing::error_message([&] { nn::load_module(*model, dir.file("o.safetensors")); }) ==
        "load_state from '" + dir.file("o.safetensors") +
            "' into Sequential: the tensors do not match the model:\n"
            "  3 missing from the file: 1.weight, 1.bias, 2.weight\n"
            "  4 unexpected (not in the model): x.a, x.b, x.c and 1 more\n"
            "  2 of a different shape or dtype: 0.weight is f32 [4, 3] in the file, f32 [5, 3] in "
            "the model, 0.bias is f32 [4] in the file, f32 [5] in the model");
  CHECK(same_state(*model, *before));

  // A single kind of mismatch reports a single line.
  nn::save_module(*small_model(2), dir.file("m.safetensors"));
  nn::Sequential bigger;
  for (const auto& child : {small_model(1), small_model(1)}) bigger.push_back(child);
  CHECK(sg::testing::error_message([&] { nn::load_module(bigger, dir.file("m.safetensors")); }) ==
        "load_state from '" + dir.file("m.safetensors") +
            "' into Sequential: the tensors do not match the model:\n"
            "  10 missing from the file: 0.0.weight, 0.0.bias, 0.1.weight and 7 more\n"
            "  5 unexpected (not in the model): 0.weight, 0.bias, 1.weight and 2 more");
}

TEST_CASE("truncated, corrupt and missing files give clear errors") {
  TempDir dir;
  auto model = small_model(1);
  nn::save_module(*model, dir.file("m.safetensors"));
  std::vector<char> bytes = read_bytes(dir.file("m.safetensors"));

  write_bytes(dir.file("short.safetensors"), std::vector<char>(bytes.begin(), bytes.end() - 10));
  CHECK_THROWS_WITH_AS(nn::load_module(*model, dir.file("short.safetensors")),
                       doctest::Contains("truncated"), Error);
  write_bytes(dir.file("tiny.safetensors"), std::vector<char>(bytes.begin(), bytes.begin() + 5));
  CHECK_THROWS_WITH_AS(nn::load_module(*model, dir.file("tiny.safetensors")),
                       doctest::Contains("too short"), Error);
  std::vector<char> corrupt = bytes;
  corrupt[8] = '#';  // the header's opening brace
  write_bytes(dir.file("bad.safetensors"), corrupt);
  CHECK_THROWS_WITH_AS(nn::load_module(*model, dir.file("bad.safetensors")),
                       doctest::Contains("not valid JSON"), Error);
  std::vector<char> huge = bytes;
  huge[7] = 0x7f;  // a header length far past the format's limit
  write_bytes(dir.file("huge.safetensors"), huge);
  CHECK_THROWS_WITH_AS(nn::load_module(*model, dir.file("huge.safetensors")),
                       doctest::Contains("over the format's limit"), Error);
  std::vector<char> past = bytes;
  const uint64_t past_length = bytes.size() - 7;  // one byte more than the file holds
  std::memcpy(past.data(), &past_length, 8);
  write_bytes(dir.file("past.safetensors"), past);
  CHECK_THROWS_WITH_AS(nn::load_module(*model, dir.file("past.safetensors")),
                       doctest::Contains("exceeds the file"), Error);
  CHECK_THROWS_WITH_AS(nn::load_module(*model, dir.file("absent.safetensors")),
                       doctest::Contains("absent.safetensors"), Error);
}

namespace {

// Saves a large module over `path` with the file size limited to `limit` bytes. With SIGXFSZ at
// its default the process is killed mid-write; ignored, the write fails and save must throw.
int save_over_limit(const std::vector<std::string>& args) {
  const bool ignore_signal = args.at(2) == "ignore";
  if (ignore_signal) std::signal(SIGXFSZ, SIG_IGN);
  rlimit limit{std::stoul(args.at(1)), RLIM_INFINITY};
  setrlimit(RLIMIT_FSIZE, &limit);
  Generator gen(5);
  nn::Linear big(256, 512, gen);
  try {
    nn::save_module(big, args.at(0));
  } catch (const Error& e) {
    // The message names the file, the OS's reason and that the old file is still there.
    const std::string message = e.what();
    for (const std::string& part :
         {args.at(0), std::string(std::strerror(EFBIG)), std::string("is left as it was")})
      if (message.find(part) == std::string::npos) return 11;
    return 10;
  }
  return 0;
}
SG_CHILD_ROUTINE("save_over_limit", save_over_limit);

}  // namespace

TEST_CASE("a save killed half-way leaves the previous checkpoint intact") {
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  auto model = small_model(1);
  nn::save_module(*model, path);
  CHECK(sg::testing::run_child("save_over_limit", {path, "65536", "default"}) == 128 + SIGXFSZ);
  auto loaded = small_model(9);
  nn::load_module(*loaded, path);
  CHECK(same_state(*model, *loaded));
}

TEST_CASE("a save that fails throws, removes its temporary file and keeps the old one") {
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  auto model = small_model(1);
  nn::save_module(*model, path);
  CHECK(sg::testing::run_child("save_over_limit", {path, "65536", "ignore"}) == 10);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
  auto loaded = small_model(9);
  nn::load_module(*loaded, path);
  CHECK(same_state(*model, *loaded));
}

TEST_CASE("buffers are saved and restored") {
  TempDir dir;
  nn::SinusoidalPositionalEmbedding a(4, 6), b(4, 6);
  b.set_buffer("table", zeros({4, 6}));
  nn::save_module(a, dir.file("p.safetensors"));
  nn::load_module(b, dir.file("p.safetensors"));
  CHECK(nn::state_of(b)[0].second.to_vector<float>() ==
        nn::state_of(a)[0].second.to_vector<float>());
}

TEST_CASE("a state with two tensors of one name is refused (the second was dropped silently)") {
  Generator gen(3);
  nn::Linear linear(2, 3, gen);
  NamedTensorList state = nn::state_of(linear);
  state.emplace_back(state.back().first, ones(state.back().second.shape()));
  const std::string expected =
      "load_state 'memory': two tensors are named '" + state.back().first + "'";
  CHECK_THROWS_WITH_AS(nn::load_state(linear, state, "memory"), expected.c_str(), Error);
}
