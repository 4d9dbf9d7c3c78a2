#pragma once
// The safetensors format (as the Hugging Face library writes it): an 8-byte little-endian header
// length, a JSON header mapping each name to {"dtype", "shape", "data_offsets"} (plus an optional
// "__metadata__" map of strings), then the raw little-endian data. Files open in Python with
// `safetensors` or with json + numpy by hand.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synthgrad/core/tensor.h"

namespace sg {

using NamedTensorList = std::vector<std::pair<std::string, Tensor>>;
// Whether any tensor's name begins with `prefix` ("trunk."): what kind of model a file holds.
bool has_tensor_prefix(const NamedTensorList& tensors, std::string_view prefix);
using Metadata = std::map<std::string, std::string>;

struct SafetensorsContent {
  NamedTensorList tensors;  // in file order
  Metadata metadata;
};

// Atomic: an interrupted or failed save leaves any previous file at `path` intact.
void save_safetensors(const std::string& path, const NamedTensorList& tensors,
                      const Metadata& metadata = {});

// Throws an sg::Error naming the file and what is wrong for a missing, truncated or corrupt file.
SafetensorsContent load_safetensors(const std::string& path);
// The same from the file's bytes, already read; errors name `source`.
SafetensorsContent parse_safetensors(std::string_view bytes, const std::string& source);

}  // namespace sg
