#include "synthgrad/core/safetensors.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "synthgrad/core/atomic_file.h"

namespace sg {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit

const char* safetensors_dtype(DType dtype) {
  switch (dtype) {
    case DType::f32: return "F32";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
    case DType::b8: return "BOOL";
  }
  return "?";
}

DType parse_dtype(const std::string& name, const std::string& path, const std::string& tensor) {
  for (DType d : {DType::f32, DType::i32, DType::i64, DType::b8})
    if (name == safetensors_dtype(d)) return d;
  fail("load_safetensors '{}': tensor '{}' has unsupported dtype '{}'", path, tensor, name);
}

// The first tensor name or metadata key or value that JSON cannot hold, shown with escapes.
std::string first_name_not_utf8(const NamedTensorList& tensors, const Metadata& metadata) {
  const auto bad = [](const std::string& text) {
    try {
      static_cast<void>(nlohmann::json(text).dump());
      return false;
    } catch (const nlohmann::json::type_error&) {
      return true;
    }
  };
  std::vector<std::string> texts;
  for (const auto& [name, t] : tensors) texts.push_back(name);
  for (const auto& [key, value] : metadata) texts.insert(texts.end(), {key, value});
  const auto found = std::find_if(texts.begin(), texts.end(), bad);
  return found == texts.end() ? "" : fmt::format("{:?}", *found);
}

std::string build_header(const NamedTensorList& tensors, const Metadata& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    SG_CHECK(t.defined(), "save_safetensors: tensor '{}' is undefined", name);
    SG_CHECK(name != "__metadata__" && names.insert(name).second,
             "save_safetensors: name '{}' is reserved or repeated", name);
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    header[name] = {{"dtype", safetensors_dtype(t.dtype())},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error&) {
    fail("save_safetensors: a tensor name or metadata entry is not valid UTF-8: {}",
         first_name_not_utf8(tensors, metadata));
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
  return text;
}

std::vector<char> read_all(const std::string& path) {
  std::error_code error;
  SG_CHECK(!std::filesystem::is_directory(path, error), "load_safetensors: '{}' is a directory",
           path);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  SG_CHECK(in.good(), "load_safetensors: cannot open '{}': {}", path, std::strerror(errno));
  const std::streamsize size = in.tellg();
  SG_CHECK(size >= 0, "load_safetensors: cannot read '{}'", path);
  std::vector<char> bytes(static_cast<size_t>(size));
  in.seekg(0);
  SG_CHECK(in.read(bytes.data(), size).good() || size == 0, "load_safetensors: cannot read '{}'",
           path);
  return bytes;
}

// A valid header nests three levels ({"name": {"shape": [...]}}). The JSON library builds and
// copies nested values by recursion: 200,000 '[' in a 400 KB header overflowed the stack.
constexpr int kMaxHeaderDepth = 16;

// The deepest nesting of arrays and objects in `json`, brackets inside strings not counted.
int nesting_depth(std::string_view json) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// One tensor's header entry, its types checked and its sizes known to fit in 64 bits.
struct EntryInfo {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;  // data_offsets, relative to the start of the data area
};

using Json = nlohmann::ordered_json;

uint64_t unsigned_value(const Json& value, const std::string& path, const std::string& name,
                        const char* field) {
  SG_CHECK(value.is_number_unsigned(),
           "load_safetensors '{}': '{}' has a {} entry {} that is not a non-negative integer", path,
           name, field, value.dump());
  return value.get<uint64_t>();
}

// product(shape) x element size, checked against 64-bit overflow. Zero dimensions count as one
// for the check too, so that the strides of an empty tensor fit as well.
uint64_t checked_byte_size(const Shape& shape, DType dtype, const std::string& path,
                           const std::string& name) {
  uint64_t extent = dtype_size(dtype);
  bool empty = false;
  for (int64_t dim : shape) {
    empty = empty || dim == 0;
    const bool overflows =
        __builtin_mul_overflow(extent, static_cast<uint64_t>(std::max<int64_t>(dim, 1)), &extent);
    SG_CHECK(!overflows && extent <= static_cast<uint64_t>(INT64_MAX),
             "load_safetensors '{}': '{}' of shape {} has more bytes than 64 bits count", path,
             name, shape_str(shape));
  }
  return empty ? 0 : extent;
}

EntryInfo parse_entry(const std::string& path, const std::string& name, const Json& entry) {
  SG_CHECK(entry.is_object() && entry.contains("dtype") && entry.contains("shape") &&
               entry.contains("data_offsets"),
           "load_safetensors '{}': entry '{}' is not an object with dtype, shape and data_offsets",
           path, name);
  const Json& dtype = entry["dtype"];
  const Json& shape = entry["shape"];
  const Json& offsets = entry["data_offsets"];
  SG_CHECK(dtype.is_string() && shape.is_array() && offsets.is_array() && offsets.size() == 2,
           "load_safetensors '{}': entry '{}' needs a dtype string, a shape array and two "
           "data_offsets",
           path, name);
  EntryInfo info{name, parse_dtype(dtype.get<std::string>(), path, name), {}, 0, 0};
  for (const Json& dim : shape) {
    const uint64_t value = unsigned_value(dim, path, name, "shape");
    SG_CHECK(value <= static_cast<uint64_t>(INT64_MAX),
             "load_safetensors '{}': '{}' has dimension {}", path, name, value);
    info.shape.push_back(static_cast<int64_t>(value));
  }
  info.begin = unsigned_value(offsets[0], path, name, "data_offsets");
  info.end = unsigned_value(offsets[1], path, name, "data_offsets");
  const uint64_t bytes = checked_byte_size(info.shape, info.dtype, path, name);
  SG_CHECK(info.begin <= info.end && info.end - info.begin == bytes,
           "load_safetensors '{}': '{}' of shape {} needs {} bytes, its data offsets [{}, {}] "
           "span {}",
           path, name, shape_str(info.shape), bytes, info.begin, info.end,
           info.begin <= info.end ? info.end - info.begin : 0);
  return info;
}

// The format's rule: the tensors tile the data area from byte 0 to its end, without holes or
// overlaps, so no byte is read twice or left unexplained.
void check_layout(const std::string& path, std::vector<EntryInfo> entries, uint64_t data_bytes) {
  std::sort(entries.begin(), entries.end(), [](const EntryInfo& a, const EntryInfo& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t covered = 0;
  for (const EntryInfo& entry : entries) {
    SG_CHECK(entry.begin == covered,
             "load_safetensors '{}': '{}' starts at data byte {}, where {} was expected (tensors "
             "must cover the data contiguously, without holes or overlaps)",
             path, entry.name, entry.begin, covered);
    covered = entry.end;
  }
  SG_CHECK(covered == data_bytes,
           "load_safetensors '{}': the tensors cover {} data bytes, the file holds {} (truncated "
           "or trailing bytes)",
           path, covered, data_bytes);
}

Metadata parse_metadata(const std::string& path, const Json& entry) {
  SG_CHECK(entry.is_object(), "load_safetensors '{}': __metadata__ is not an object", path);
  Metadata metadata;
  for (const auto& [key, value] : entry.items()) {
    SG_CHECK(value.is_string(), "load_safetensors '{}': __metadata__ '{}' is not a string", path,
             key);
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// The 8-byte length prefix, within the format's limit and the file.
uint64_t header_length(const std::string& path, std::string_view bytes) {
  SG_CHECK(bytes.size() >= 8, "load_safetensors '{}': {} bytes is too short for a header length",
           path, bytes.size());
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  SG_CHECK(length <= kMaxHeaderBytes,
           "load_safetensors '{}': header length {} is over the format's limit of {} bytes", path,
           length, kMaxHeaderBytes);
  SG_CHECK(length <= bytes.size() - 8,
           "load_safetensors '{}': header length {} exceeds the file ({} bytes): truncated or not "
           "a safetensors file",
           path, length, bytes.size());
  return length;
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensorList& tensors,
                      const Metadata& metadata) {
  const std::string header = build_header(tensors, metadata);
  const uint64_t header_size = header.size();
  AtomicFile file(path);
  file.write(&header_size, sizeof header_size);
  file.write(header.data(), header.size());
  for (const auto& [name, t] : tensors) {
    const Tensor c = t.contiguous();
    file.write(c.raw_data(), static_cast<size_t>(c.numel()) * dtype_size(c.dtype()));
  }
  file.commit();
}

bool has_tensor_prefix(const NamedTensorList& tensors, std::string_view prefix) {
  return std::any_of(tensors.begin(), tensors.end(),
                     [&](const auto& named) { return named.first.starts_with(prefix); });
}

SafetensorsContent load_safetensors(const std::string& path) {
  const std::vector<char> bytes = read_all(path);
  return parse_safetensors({bytes.data(), bytes.size()}, path);
}

SafetensorsContent parse_safetensors(std::string_view bytes, const std::string& path) {
  const uint64_t header_size = header_length(path, bytes);
  const std::string_view text = bytes.substr(8, header_size);
  SG_CHECK(nesting_depth(text) <= kMaxHeaderDepth,
           "load_safetensors '{}': the header nests deeper than {} levels", path, kMaxHeaderDepth);
  Json header;  // ordered: tensors come back in file order
  try {
    header = Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    fail("load_safetensors '{}': the header is not valid JSON: {}", path, e.what());
  }
  SG_CHECK(header.is_object(), "load_safetensors '{}': the header is not a JSON object", path);
  SafetensorsContent content;
  std::vector<EntryInfo> entries;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__")
      content.metadata = parse_metadata(path, entry);
    else
      entries.push_back(parse_entry(path, name, entry));
  }
  const char* data = bytes.data() + 8 + header_size;
  check_layout(path, entries, bytes.size() - 8 - header_size);
  for (const EntryInfo& entry : entries) {
    Tensor t = Tensor::empty(entry.shape, entry.dtype);
    if (entry.end > entry.begin)
      std::memcpy(t.raw_data(), data + entry.begin, entry.end - entry.begin);
    // A b8 tensor holds 0 or 1 (Tensor::to makes any other byte 1); a byte of 2 would be true to
    // some kernels and false to others.
    if (entry.dtype == DType::b8)
      for (int64_t i = 0; i < t.numel(); ++i)
        SG_CHECK(t.data<uint8_t>()[i] <= 1, "load_safetensors '{}': BOOL tensor '{}' holds byte {}",
                 path, entry.name, t.data<uint8_t>()[i]);
    content.tensors.emplace_back(entry.name, std::move(t));
  }
  return content;
}

}  // namespace sg
