#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "support/error_message.h"
#include "synthgrad/core/core.h"
#include "synthgrad/core/safetensors.h"

using namespace sg;
using sg::testing::error_message;

namespace {

// A file built by hand: the 8-byte length, the header text as given, then `data`.
struct HandBuiltFile {
  std::filesystem::path folder;
  std::string path;
  HandBuiltFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg_st_XXXXXX").string();
    folder = mkdtemp(pattern.data());
    path = (folder / "h.safetensors").string();
  }
  ~HandBuiltFile() { std::filesystem::remove_all(folder); }
  HandBuiltFile(const HandBuiltFile&) = delete;
  HandBuiltFile& operator=(const HandBuiltFile&) = delete;

  void write(const std::string& header, const std::string& data, uint64_t length) const {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&length), 8);
    out << header << data;
  }
  void write(const std::string& header, const std::string& data) const {
    write(header, data, header.size());
  }
  // The load's error message.
  std::string load_error(const std::string& header, const std::string& data) const {
    write(header, data);
    return error_message([&] { load_safetensors(path); });
  }
};

std::string floats_bytes(std::vector<float> values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("safetensors: a hand-built file with tensors out of offset order and an empty one") {
  HandBuiltFile file;
  file.write(R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},)"
             R"("e":{"dtype":"I32","shape":[0,3],"data_offsets":[12,12]},)"
             R"("a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"__metadata__":{"k":"v"}})",
             floats_bytes({1.5f, -2.0f, 3.25f}));
  const SafetensorsContent content = load_safetensors(file.path);
  REQUIRE(content.tensors.size() == 3);
  CHECK(content.tensors[0].first == "b");
  CHECK(content.tensors[0].second.to_vector<float>() == std::vector<float>{-2.0f, 3.25f});
  CHECK(content.tensors[1].second.shape() == Shape{0, 3});
  CHECK(content.tensors[2].second.to_vector<float>() == std::vector<float>{1.5f});
  CHECK(content.metadata == Metadata{{"k", "v"}});
}

TEST_CASE("safetensors: a BOOL tensor of bytes 0 and 1 loads, a byte of 2 is refused") {
  HandBuiltFile file;
  const std::string header = R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})";
  file.write(header, std::string("\x01\x00\x01", 3));
  CHECK(load_safetensors(file.path).tensors.at(0).second.to_vector<uint8_t>() ==
        std::vector<uint8_t>{1, 0, 1});
  CHECK(contains(file.load_error(header, std::string("\x01\x02\x00", 3)),
                 "BOOL tensor 'm' holds byte 2"));
}

TEST_CASE("safetensors: sizes that overflow 64 bits or disagree with the offsets are refused") {
  HandBuiltFile file;
  // The issue's file: 2^31 x 2^31 floats are 2^64 bytes, which wraps to 0 unchecked.
  CHECK(contains(
      file.load_error(
          R"({"w":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,0]}})", ""),
      "'w' of shape [2147483648, 2147483648] has more bytes than 64 bits count"));
  // Empty, but with strides past 64 bits.
  CHECK(contains(file.load_error(R"({"w":{"dtype":"F32","shape":[0,4611686018427387904,4],)"
                                 R"("data_offsets":[0,0]}})",
                                 ""),
                 "more bytes than 64 bits count"));
  CHECK(contains(
      file.load_error(R"({"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,8]}})",
                      floats_bytes({1, 2})),
      "'w' of shape [1000000, 1000000] needs 4000000000000 bytes, its data offsets [0, 8] span 8"));
  CHECK(contains(file.load_error(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})",
                                 floats_bytes({1, 2})),
                 "needs 4 bytes, its data offsets [8, 4] span 0"));
  CHECK(contains(file.load_error(R"({"w":{"dtype":"F32","shape":[18446744073709551615],)"
                                 R"("data_offsets":[0,4]}})",
                                 floats_bytes({1})),
                 "'w' has dimension 18446744073709551615"));
}

TEST_CASE("safetensors: tensors must tile the data area from 0 without holes or overlaps") {
  HandBuiltFile file;
  const std::string data = floats_bytes({1, 2, 3});
  CHECK(contains(file.load_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                 data),
                 "'b' starts at data byte 8, where 4 was expected"));
  CHECK(contains(file.load_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                 data),
                 "'b' starts at data byte 4, where 8 was expected"));
  CHECK(contains(file.load_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data),
                 "'a' starts at data byte 4, where 0 was expected"));
  CHECK(contains(file.load_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data),
                 "the tensors cover 8 data bytes, the file holds 12"));
  // A repeated name leaves one entry (JSON keeps the last), whose bytes then do not tile the data.
  CHECK(contains(file.load_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                 R"("a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                 data),
                 "'a' starts at data byte 4, where 0 was expected"));
  CHECK(
      contains(file.load_error(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data),
               "the tensors cover 16 data bytes, the file holds 12"));
}

TEST_CASE("safetensors: a header of the wrong types or an unknown dtype names the file and entry") {
  HandBuiltFile file;
  const std::string four = floats_bytes({1});
  const std::string not_integer = "'a' has a shape entry";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([1,2])", "the header is not a JSON object"},
      {R"({"a":[1]})", "entry 'a' is not an object with dtype, shape and data_offsets"},
      {R"({"a":{"dtype":"F32","shape":[1]}})", "entry 'a' is not an object"},
      {R"({"a":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", "'a' needs a dtype string"},
      {R"({"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", "'a' needs a dtype string"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", "two data_offsets"},
      {R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", not_integer + " 1.5 that"},
      {R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", not_integer + " -1 that"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}})",
       "'a' has a data_offsets entry \"0\" that is not a non-negative integer"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", "data_offsets entry -4"},
      {R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "unsupported dtype 'F16'"},
      {R"({"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
       "__metadata__ 'k' is not a string"},
      {R"({"__metadata__":"k","a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
       "__metadata__ is not an object"},
  };
  for (const auto& [header, expected] : cases) {
    const auto& header_value = header;  // clang 14 cannot capture a structured binding
    CAPTURE(header_value);
    const std::string message = file.load_error(header, four);
    CHECK(contains(message, expected));
    CHECK(message.find("load_safetensors '" + file.path + "': ") == 0);
  }
}

TEST_CASE("safetensors: a header length over 100,000,000 bytes is refused before any read") {
  HandBuiltFile file;
  file.write("{}", "", 100'000'001);
  CHECK(contains(error_message([&] { load_safetensors(file.path); }),
                 "header length 100000001 is over the format's limit of 100000000 bytes"));
  file.write("{}", "", 100'000'000);
  CHECK(contains(error_message([&] { load_safetensors(file.path); }),
                 "header length 100000000 exceeds the file (10 bytes)"));
}

TEST_CASE("safetensors: a deeply nested header, a folder and a name that is not UTF-8 are errors") {
  HandBuiltFile file;
  // 200,000 nested brackets overflowed the stack of the JSON parser.
  const std::string deep = R"({"a":{"dtype":"F32","shape":)" + std::string(200'000, '[') +
                           std::string(200'000, ']') + R"(,"data_offsets":[0,4]}})";
  CHECK(contains(file.load_error(deep, floats_bytes({1})), "the header nests deeper than 16"));
  // Brackets inside names do not count.
  const std::string bracketed = R"({"[[[[[[[[[[[[[[[[[[a":{"dtype":"F32","shape":[1],)"
                                R"("data_offsets":[0,4]}})";
  file.write(bracketed, floats_bytes({1}));
  CHECK(load_safetensors(file.path).tensors.at(0).first == "[[[[[[[[[[[[[[[[[[a");
  CHECK(error_message([&] { load_safetensors(file.folder.string()); }) ==
        "load_safetensors: '" + file.folder.string() + "' is a directory");
  CHECK(error_message([&] {
          save_safetensors(file.path, {{"caf\xe9", zeros({1})}});
        }) == R"(save_safetensors: a tensor name or metadata entry is not valid UTF-8: "caf\xe9")");
  CHECK(contains(error_message([&] {
                   save_safetensors(file.path, {}, {{"k", "\xff"}});
                 }),
                 R"("\xff")"));
}
