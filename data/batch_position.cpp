#include <nlohmann/json.hpp>

#include "synthgrad/core/error.h"
#include "synthgrad/data/batching.h"

namespace sg::data {

std::string to_string(const BatchPosition& position) {
  return nlohmann::json{
      {"epoch", position.epoch}, {"batch", position.batch}, {"order", position.order}}
      .dump();
}

BatchPosition parse_batch_position(const std::string& text) {
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    BatchPosition position;
    position.epoch = json.at("epoch").get<int64_t>();
    position.batch = json.at("batch").get<int64_t>();
    position.order = json.at("order").get<std::vector<int64_t>>();
    return position;
  } catch (const nlohmann::json::exception& e) {
    fail("parse_batch_position: expected {{\"epoch\", \"batch\", \"order\"}} JSON: {}", e.what());
  }
}

}  // namespace sg::data
