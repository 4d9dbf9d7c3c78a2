// config_from_json and validate on arbitrary text, as a checkpoint's "config" metadata holds it. A
// config they accept is written back and read again unchanged.
#include "fuzz_input.h"
#include "synthgrad/core/error.h"
#include "synthgrad/models/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sg::models::ModelConfig config;
  try {
    config = sg::models::config_from_json(std::string(sg::fuzz::as_text(data, size)));
    sg::models::validate(config);
  } catch (const sg::Error&) {
    return 0;
  }
  const std::string json = sg::models::to_json(config);
  FUZZ_CHECK(sg::models::to_json(sg::models::config_from_json(json)) == json);
  return 0;
}
