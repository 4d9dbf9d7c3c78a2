#include "core/safetensors.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/atomic_file.h"

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
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
  return text;
}

std::vector<char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  SG_CHECK(in.good(), "load_safetensors: cannot open '{}': {}", path, std::strerror(errno));
  const std::streamsize size = in.tellg();
  std::vector<char> bytes(static_cast<size_t>(size));
  in.seekg(0);
  SG_CHECK(in.read(bytes.data(), size).good() || size == 0, "load_safetensors: cannot read '{}'", path);
  return bytes;
}

Tensor parse_entry(const std::string& path, const std::string& name,
                   const nlohmann::ordered_json& entry,
                   const char* data, uint64_t data_bytes) {
  SG_CHECK(entry.is_object() && entry.contains("dtype") && entry.contains("shape") &&
               entry.contains("data_offsets"),
           "load_safetensors '{}': entry '{}' lacks dtype, shape or data_offsets", path, name);
  const DType dtype = parse_dtype(entry["dtype"].get<std::string>(), path, name);
  const Shape shape = entry["shape"].get<Shape>();
  const auto offsets = entry["data_offsets"].get<std::vector<uint64_t>>();
  for (int64_t s : shape) SG_CHECK(s >= 0, "load_safetensors '{}': '{}' has a negative dimension", path, name);
  SG_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data_bytes,
           "load_safetensors '{}': '{}' has data offsets outside the file's {} data bytes (truncated?)",
           path, name, data_bytes);
  const uint64_t bytes = static_cast<uint64_t>(numel_of(shape)) * dtype_size(dtype);
  SG_CHECK(offsets[1] - offsets[0] == bytes,
           "load_safetensors '{}': '{}' of shape {} needs {} bytes, its offsets span {}", path, name,
           shape_str(shape), bytes, offsets[1] - offsets[0]);
  Tensor t = Tensor::empty(shape, dtype);
  if (bytes > 0) std::memcpy(t.raw_data(), data + offsets[0], bytes);
  return t;
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensorList& tensors, const Metadata& metadata) {
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

SafetensorsContent load_safetensors(const std::string& path) {
  const std::vector<char> bytes = read_all(path);
  SG_CHECK(bytes.size() >= 8, "load_safetensors '{}': {} bytes is too short for a header length",
           path, bytes.size());
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  SG_CHECK(header_size <= kMaxHeaderBytes && header_size <= bytes.size() - 8,
           "load_safetensors '{}': header length {} exceeds the file ({} bytes): truncated or not "
           "a safetensors file",
           path, header_size, bytes.size());
  nlohmann::ordered_json header;  // ordered: tensors come back in file order
  try {
    header = nlohmann::ordered_json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<int64_t>(header_size));
  } catch (const nlohmann::json::exception& e) {
    fail("load_safetensors '{}': the header is not valid JSON: {}", path, e.what());
  }
  SG_CHECK(header.is_object(), "load_safetensors '{}': the header is not a JSON object", path);
  SafetensorsContent content;
  const char* data = bytes.data() + 8 + header_size;
  const uint64_t data_bytes = bytes.size() - 8 - header_size;
  try {
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        content.metadata = entry.get<Metadata>();
        continue;
      }
      content.tensors.emplace_back(name, parse_entry(path, name, entry, data, data_bytes));
    }
  } catch (const nlohmann::json::exception& e) {
    fail("load_safetensors '{}': malformed header entry: {}", path, e.what());
  }
  return content;
}

}  // namespace sg
