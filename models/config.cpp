#include "models/config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace sg::models {

nn::AttentionConfig ModelConfig::attention_config() const {
  return {.dim = dim,
          .heads = heads,
          .max_length = max_length,
          .variant = attention,
          .dropout = attention_dropout,
          .factor_a = factor_a,
          .factor_b = factor_b,
          .random_rank = random_rank};
}

void validate(const ModelConfig& c) {
  SG_CHECK(c.vocab_size > 0, "model config: vocab_size {} must be positive", c.vocab_size);
  SG_CHECK(c.layers >= 0, "model config: layers {} must not be negative", c.layers);
  SG_CHECK(c.dropout >= 0.0f && c.dropout < 1.0f, "model config: dropout {} is outside [0, 1)",
           c.dropout);
  SG_CHECK(c.segments >= 0, "model config: segments {} must not be negative", c.segments);
  SG_CHECK(c.num_classes >= 1, "model config: num_classes {} must be at least 1", c.num_classes);
  SG_CHECK(c.ffn_hidden >= 0, "model config: ffn_hidden {} must not be negative", c.ffn_hidden);
  nn::validate(c.attention_config());
}

// The field list is written once and used in both directions.
template <class Json, class Config, class Visit>
void visit_fields(Json& j, Config& c, const Visit& visit) {
  visit(j, "vocab_size", c.vocab_size);
  visit(j, "dim", c.dim);
  visit(j, "heads", c.heads);
  visit(j, "layers", c.layers);
  visit(j, "max_length", c.max_length);
  visit(j, "ffn_hidden", c.ffn_hidden);
  visit(j, "attention", c.attention);
  visit(j, "factor_a", c.factor_a);
  visit(j, "factor_b", c.factor_b);
  visit(j, "random_rank", c.random_rank);
  visit(j, "dropout", c.dropout);
  visit(j, "attention_dropout", c.attention_dropout);
  visit(j, "learned_positions", c.learned_positions);
  visit(j, "segments", c.segments);
  visit(j, "num_classes", c.num_classes);
  visit(j, "tie_embeddings", c.tie_embeddings);
  visit(j, "seed", c.seed);
}

std::string to_json(const ModelConfig& config) {
  nlohmann::ordered_json j;
  visit_fields(j, config,
               [](auto& json, const char* name, const auto& value) { json[name] = value; });
  return j.dump();
}

ModelConfig config_from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail("model config: not valid JSON: {}", e.what());
  }
  ModelConfig config;
  config.verbose = false;
  visit_fields(j, config, [](const auto& json, const char* name, auto& value) {
    SG_CHECK(json.contains(name), "model config: field '{}' is missing", name);
    try {
      json.at(name).get_to(value);
    } catch (const nlohmann::json::exception&) {
      fail("model config: field '{}' has the wrong type: {}", name, json.at(name).dump());
    }
  });
  validate(config);
  return config;
}

}  // namespace sg::models
