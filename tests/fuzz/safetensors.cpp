// load_safetensors on arbitrary bytes. What it accepts must fit in the input: every tensor's bytes
// come from the data area.
#include "synthgrad/core/safetensors.h"
#include "fuzz_input.h"
#include "synthgrad/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sg::SafetensorsContent content;
  try {
    content = sg::parse_safetensors(sg::fuzz::as_text(data, size), "fuzz input");
  } catch (const sg::Error&) {
    return 0;
  }
  size_t tensor_bytes = 0;
  for (const auto& [name, tensor] : content.tensors) {
    FUZZ_CHECK(name != "__metadata__");
    tensor_bytes += static_cast<size_t>(tensor.numel()) * sg::dtype_size(tensor.dtype());
  }
  FUZZ_CHECK(tensor_bytes + 8 <= size);
  return 0;
}
