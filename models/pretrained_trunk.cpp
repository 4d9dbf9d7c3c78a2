#include "synthgrad/models/pretrained_trunk.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "synthgrad/core/safetensors.h"
#include "synthgrad/nn/checkpoint.h"

namespace sg::models {

namespace {

constexpr std::string_view kTrunkPrefix = "trunk.";

// The trunk fields, listed once for copying and for comparing.
template <class A, class B, class Visit>
void visit_trunk_fields(A& a, B& b, const Visit& visit) {
  visit("vocab_size", a.vocab_size, b.vocab_size);
  visit("dim", a.dim, b.dim);
  visit("heads", a.heads, b.heads);
  visit("layers", a.layers, b.layers);
  visit("max_length", a.max_length, b.max_length);
  visit("ffn_hidden", a.ffn_hidden, b.ffn_hidden);
  visit("attention", a.attention, b.attention);
  visit("factor_a", a.factor_a, b.factor_a);
  visit("factor_b", a.factor_b, b.factor_b);
  visit("random_rank", a.random_rank, b.random_rank);
  visit("learned_positions", a.learned_positions, b.learned_positions);
  visit("segments", a.segments, b.segments);
  visit("token_weights", a.token_weights, b.token_weights);
  visit("softmax_cutoffs", a.softmax_cutoffs, b.softmax_cutoffs);
}

// Every model kind keeps its trunk under "trunk."; a training checkpoint keeps it under "model.".
ModelConfig checked_config(const SafetensorsContent& content, const std::string& path) {
  SG_CHECK(has_tensor_prefix(content.tensors, kTrunkPrefix) && content.metadata.contains("config"),
           "pre-trained trunk '{}': not a MaskedLM, ReplacedTokenDetector, CausalLM or "
           "EncoderClassifier checkpoint (a model file with trunk.* tensors and its config in the "
           "metadata)",
           path);
  try {
    return config_from_json(content.metadata.at("config"));
  } catch (const Error& e) {
    fail("pre-trained trunk '{}': {}", path, e.what());
  }
}

NamedTensorList trunk_tensors(const NamedTensorList& tensors) {
  NamedTensorList out;
  for (const auto& [name, t] : tensors)
    if (name.starts_with(kTrunkPrefix)) out.emplace_back(name.substr(kTrunkPrefix.size()), t);
  return out;
}

// The tensor mismatch load_state reports for a trunk of `config` ("" when the tensors fit).
std::string tensor_report(const ModelConfig& config, const NamedTensorList& state,
                          const std::string& path) {
  Trunk scratch(config);
  try {
    nn::load_state(scratch, state, path);
  } catch (const Error& e) {
    return fmt::format("\n{}", e.what());
  }
  return "";
}

// A field's value as its flag takes it: cutoffs "1000,4000" (or "none"), the rest as they print.
template <class T>
std::string field_text(const T& value) {
  if constexpr (std::is_same_v<T, std::vector<int64_t>>)
    return value.empty() ? "none" : fmt::format("{}", fmt::join(value, ","));
  else
    return fmt::format("{}", value);
}

}  // namespace

ModelConfig pretrained_config(const std::string& path) {
  return checked_config(load_safetensors(path), path);
}

ModelConfig with_trunk_of(ModelConfig config, const ModelConfig& pretrained) {
  visit_trunk_fields(config, pretrained,
                     [](const char*, auto& field, const auto& value) { field = value; });
  return config;
}

std::string FieldDifference::describe() const {
  return fmt::format("{} {} in the file, {} in the model", field, file, model);
}

std::vector<FieldDifference> trunk_differences(const ModelConfig& file, const ModelConfig& model) {
  std::vector<FieldDifference> out;
  visit_trunk_fields(file, model, [&](const char* name, const auto& a, const auto& b) {
    if (a != b) out.push_back({name, field_text(a), field_text(b)});
  });
  return out;
}

void load_trunk_into(Trunk& trunk, const ModelConfig& config, const std::string& path) {
  const SafetensorsContent content = load_safetensors(path);
  const ModelConfig file_config = checked_config(content, path);
  const NamedTensorList state = trunk_tensors(content.tensors);
  std::vector<std::string> differences;
  for (const FieldDifference& d : trunk_differences(file_config, config))
    differences.push_back(d.describe());
  if (!differences.empty())
    fail("load trunk from '{}': the pre-trained trunk differs from the model's: {}{}", path,
         fmt::join(differences, "; "), tensor_report(config, state, path));
  nn::load_state(trunk, state, path);
}

}  // namespace sg::models
