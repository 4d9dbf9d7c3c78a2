#include "synthgrad/models/config.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <type_traits>
#include <utility>

#include "synthgrad/core/error.h"
#include "synthgrad/nn/clustered_softmax.h"

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

namespace {

// Caps that keep every product of sizes below in 64 bits, far above any model this CPU framework
// trains; a config past them is a corrupt or hostile file, refused before any allocation.
constexpr int64_t kMaxSize = int64_t{1} << 20;        // dim, max_length, FR rank, FD factors
constexpr int64_t kMaxVocabulary = int64_t{1} << 24;  // vocab_size, num_classes
constexpr int64_t kMaxLayers = 4096;
constexpr double kMaxParameters = 4e9;  // 16 GB of f32 weights

void check_range(const char* field, int64_t value, int64_t low, int64_t high) {
  SG_CHECK(value >= low && value <= high, "model config: {} {} is outside [{}, {}]", field, value,
           low, high);
}

// An upper estimate of the weights (in double: it cannot overflow), from the layer formulas.
// Buffers count too: Rfix's fixed matrices take as much memory as R's trainable ones.
double parameter_estimate(const ModelConfig& c) {
  const double d = static_cast<double>(c.dim);
  // An untied causal LM has an output layer as large as its token embedding.
  const double vocabulary_tables = c.tie_embeddings ? 1.0 : 2.0;
  const double embeddings = (vocabulary_tables * static_cast<double>(c.vocab_size) +
                             static_cast<double>(c.max_length + c.segments) +
                             static_cast<double>(c.softmax_cutoffs.size())) *
                            d;
  const double head =
      static_cast<double>(c.pooled_features() + 1) * static_cast<double>(c.num_classes);
  const double feed_forward = 2.0 * d * static_cast<double>(c.hidden() + 1) + 4.0 * d;
  const nn::AttentionConfig attention_config = c.attention_config();
  const double attention = static_cast<double>(nn::expected_parameter_count(attention_config)) +
                           static_cast<double>(nn::expected_buffer_count(attention_config));
  return embeddings + head + static_cast<double>(c.layers) * (attention + feed_forward);
}

}  // namespace

void validate(const ModelConfig& c) {
  check_range("vocab_size", c.vocab_size, 1, kMaxVocabulary);
  check_range("num_classes", c.num_classes, 1, kMaxVocabulary);
  check_range("layers", c.layers, 0, kMaxLayers);
  check_range("segments", c.segments, 0, kMaxSize);
  const bool compares_segments = c.pooling == "pair" || c.pooling == "align";
  SG_CHECK(
      compares_segments || c.pooling == "cls" || c.pooling == "mean" || c.pooling == "surprisal",
      "model config: pooling '{}' is none of cls, mean, pair, align and surprisal", c.pooling);
  SG_CHECK(c.pooling != "surprisal" || c.token_weights,
           "model config: pooling 'surprisal' needs the trunk's token weights (pretrain "
           "--token-weights), which tell words from special tokens and give their unigram "
           "surprisal");
  // Two: the features compare sentence A with sentence B, and a third segment would be left out.
  SG_CHECK(!compares_segments || c.segments == 2,
           "model config: pooling '{}' needs the two segments of a sentence pair (segments {})",
           c.pooling, c.segments);
  check_range("ffn_hidden", c.ffn_hidden, 0, kMaxSize);
  SG_CHECK(c.softmax_cutoffs.empty() || c.tie_embeddings,
           "model config: softmax cutoffs factor the tied output embedding's softmax; an untied "
           "output layer has none");
  nn::check_softmax_cutoffs(c.softmax_cutoffs, c.vocab_size, "model config");
  for (const auto& [field, value] : {std::pair{"dim", c.dim},
                                     {"heads", c.heads},
                                     {"max_length", c.max_length},
                                     {"random_rank", c.random_rank},
                                     {"factor_a", c.factor_a},
                                     {"factor_b", c.factor_b}})
    check_range(field, value, 0, kMaxSize);
  SG_CHECK(c.dropout >= 0.0f && c.dropout < 1.0f, "model config: dropout {} is outside [0, 1)",
           c.dropout);
  nn::validate(c.attention_config());
  const double parameters = parameter_estimate(c);
  SG_CHECK(parameters <= kMaxParameters,
           "model config: about {:.3g} parameters, over the limit of {:.3g} (dim {}, layers {}, "
           "vocab_size {}, max_length {}, heads {}, attention '{}', num_classes {}, pooling '{}')",
           parameters, kMaxParameters, c.dim, c.layers, c.vocab_size, c.max_length, c.heads,
           c.attention, c.num_classes, c.pooling);
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
  visit(j, "pooling", c.pooling);
  visit(j, "token_weights", c.token_weights);
  visit(j, "layer_mix", c.layer_mix);
  visit(j, "tie_embeddings", c.tie_embeddings);
  visit(j, "softmax_cutoffs", c.softmax_cutoffs);
  visit(j, "seed", c.seed);
}

namespace {

// Fields a config may lack: checkpoints written before they existed read as the defaults (the
// head on position 0, no token weights, the last layer, one softmax).
bool optional_field(std::string_view name) {
  return name == "pooling" || name == "token_weights" || name == "layer_mix" ||
         name == "softmax_cutoffs";
}

// The newest of those are written only when set: a config that does not use them is the text an
// earlier version wrote (which glue benchmark's settings.txt compares), and earlier versions
// read it.
bool written_when_set(std::string_view name) {
  return name == "layer_mix" || name == "softmax_cutoffs";
}

}  // namespace

std::string to_json(const ModelConfig& config) {
  nlohmann::ordered_json j;
  visit_fields(j, config, [](auto& json, const char* name, const auto& value) {
    if (!written_when_set(name) || value != std::decay_t<decltype(value)>{}) json[name] = value;
  });
  return j.dump();
}

namespace {

// The JSON type a field of C++ type T must have: no silent truncation of 2.5 to 2 or of -1 to
// 2^64 - 1.
template <class T>
bool has_type(const nlohmann::json& value) {
  if constexpr (std::is_same_v<T, bool>)
    return value.is_boolean();
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>)
    return value.is_array() && std::all_of(value.begin(), value.end(),
                                           [](const auto& v) { return v.is_number_integer(); });
  else if constexpr (std::is_same_v<T, std::string>)
    return value.is_string();
  else if constexpr (std::is_floating_point_v<T>)
    return value.is_number();
  else if constexpr (std::is_unsigned_v<T>)
    return value.is_number_unsigned();
  else
    return value.is_number_integer();
}

}  // namespace

ModelConfig config_from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail("model config: not valid JSON: {}", e.what());
  }
  SG_CHECK(j.is_object(), "model config: not a JSON object");
  ModelConfig config;
  config.verbose = false;
  visit_fields(j, config, [](const auto& json, const char* name, auto& value) {
    if (optional_field(name) && !json.contains(name)) return;
    SG_CHECK(json.contains(name), "model config: field '{}' is missing", name);
    const auto& field = json.at(name);
    SG_CHECK(has_type<std::decay_t<decltype(value)>>(field),
             "model config: field '{}' has the wrong type: {}", name, field.dump());
    field.get_to(value);
  });
  validate(config);
  return config;
}

}  // namespace sg::models
