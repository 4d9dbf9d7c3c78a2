#include "synthgrad/nn/checkpoint.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <string_view>

#include "synthgrad/core/tensor.h"

namespace sg::nn {

namespace {

constexpr const char* kModelPrefix = "model.";

// A line "3 missing: a, b, c and 2 more" (nothing when there are no items): a count and the first
// few, so that loading the wrong model's file reports a few lines, not one per tensor.
std::string summary(std::string_view what, const std::vector<std::string>& items) {
  if (items.empty()) return "";
  constexpr size_t kShown = 3;
  const size_t shown = std::min(items.size(), kShown);
  std::string line = fmt::format("\n  {} {}: {}", items.size(), what,
                                 fmt::join(items.begin(), items.begin() + shown, ", "));
  if (items.size() > shown) line += fmt::format(" and {} more", items.size() - shown);
  return line;
}

}  // namespace

NamedTensorList state_of(const Module& module) {
  NamedTensorList out;
  for (const auto& [name, v] : module.named_parameters()) out.emplace_back(name, v.data());
  for (const auto& [name, t] : module.named_buffers()) out.emplace_back(name, t);
  return out;
}

void load_state(Module& module, const NamedTensorList& state, const std::string& source) {
  std::map<std::string, Tensor> given;
  for (const auto& [name, t] : state)  // a second tensor of one name was dropped silently
    SG_CHECK(given.emplace(name, t).second, "load_state '{}': two tensors are named '{}'", source,
             name);
  std::vector<std::string> missing, unexpected, different;
  const NamedTensorList own = state_of(module);
  for (const auto& [name, t] : own) {
    auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
      continue;
    }
    if (it->second.shape() != t.shape() || it->second.dtype() != t.dtype())
      different.push_back(fmt::format("{} is {} in the file, {} in the model", name,
                                      describe(it->second), describe(t)));
    given.erase(it);
  }
  for (const auto& [name, t] : state)  // in file order
    if (given.contains(name)) unexpected.push_back(name);
  if (!missing.empty() || !unexpected.empty() || !different.empty())
    fail("load_state from '{}' into {}: the tensors do not match the model:{}{}{}", source,
         module.type_name(), summary("missing from the file", missing),
         summary("unexpected (not in the model)", unexpected),
         summary("of a different shape or dtype", different));
  std::map<std::string, Tensor> values(state.begin(), state.end());
  for (const auto& [name, t] : own) copy_into(t, values.at(name));
}

void save_module(const Module& module, const std::string& path, const Metadata& metadata) {
  save_safetensors(path, state_of(module), metadata);
}

Metadata load_module(Module& module, const std::string& path) {
  SafetensorsContent content = load_safetensors(path);
  load_state(module, content.tensors, path);
  return content.metadata;
}

void save_training_checkpoint(const std::string& path, const Module& model,
                              const TrainingCheckpoint& extra) {
  NamedTensorList all;
  for (const auto& [name, t] : state_of(model)) all.emplace_back(kModelPrefix + name, t);
  all.insert(all.end(), extra.extra_tensors.begin(), extra.extra_tensors.end());
  save_safetensors(path, all, extra.metadata);
}

TrainingCheckpoint load_training_checkpoint(const std::string& path, Module& model) {
  return load_training_checkpoint(load_safetensors(path), path, model);
}

TrainingCheckpoint load_training_checkpoint(const SafetensorsContent& content,
                                            const std::string& path, Module& model) {
  NamedTensorList model_state;
  TrainingCheckpoint rest{{}, content.metadata};
  const std::string prefix = kModelPrefix;
  for (const auto& [name, t] : content.tensors) {
    if (name.rfind(prefix, 0) == 0)
      model_state.emplace_back(name.substr(prefix.size()), t);
    else
      rest.extra_tensors.emplace_back(name, t);
  }
  load_state(model, model_state, path);
  return rest;
}

}  // namespace sg::nn
