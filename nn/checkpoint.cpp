#include "nn/checkpoint.h"

#include <map>

#include "core/tensor.h"

namespace sg::nn {

namespace {

constexpr const char* kModelPrefix = "model.";

std::string describe(const Tensor& t) {
  return fmt::format("{} {}", dtype_name(t.dtype()), shape_str(t.shape()));
}

}  // namespace

NamedTensorList state_of(const Module& module) {
  NamedTensorList out;
  for (const auto& [name, v] : module.named_parameters()) out.emplace_back(name, v.data());
  for (const auto& [name, t] : module.named_buffers()) out.emplace_back(name, t);
  return out;
}

void load_state(Module& module, const NamedTensorList& state, const std::string& source) {
  std::map<std::string, Tensor> given(state.begin(), state.end());
  std::vector<std::string> problems;
  const NamedTensorList own = state_of(module);
  for (const auto& [name, t] : own) {
    auto it = given.find(name);
    if (it == given.end()) {
      problems.push_back(fmt::format("missing '{}' ({})", name, describe(t)));
      continue;
    }
    if (it->second.shape() != t.shape() || it->second.dtype() != t.dtype())
      problems.push_back(fmt::format("'{}' is {} in the file, {} in the model", name,
                                     describe(it->second), describe(t)));
    given.erase(it);
  }
  for (const auto& [name, t] : given)
    problems.push_back(fmt::format("unexpected '{}' ({})", name, describe(t)));
  SG_CHECK(problems.empty(), "load_state from '{}' into {}: {}", source, module.type_name(),
           fmt::join(problems, "; "));
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
  SafetensorsContent content = load_safetensors(path);
  NamedTensorList model_state;
  TrainingCheckpoint rest{{}, content.metadata};
  const std::string prefix = kModelPrefix;
  for (auto& [name, t] : content.tensors) {
    if (name.rfind(prefix, 0) == 0)
      model_state.emplace_back(name.substr(prefix.size()), t);
    else
      rest.extra_tensors.emplace_back(name, t);
  }
  load_state(model, model_state, path);
  return rest;
}

}  // namespace sg::nn
