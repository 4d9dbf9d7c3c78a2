#include "synthgrad/optim/optimizer.h"

#include <map>

#include "synthgrad/core/creation.h"

namespace sg::optim {

Optimizer::Optimizer(std::vector<ParamGroup> groups, float lr) : groups_(std::move(groups)) {
  set_lr(lr);
  for (size_t g = 0; g < groups_.size(); ++g) {
    for (const Variable& p : groups_[g].params)
      SG_CHECK(p.defined() && p.is_leaf() && p.requires_grad(),
               "Optimizer: group {} holds a tensor that is not a trainable leaf", g);
    states_.emplace_back(groups_[g].params.size());
  }
}

void Optimizer::set_lr(float lr) {
  SG_CHECK(lr >= 0.0f, "Optimizer: learning rate {} is negative", lr);
  lr_ = lr;
}

void Optimizer::step() {
  ++step_count_;
  for (size_t g = 0; g < groups_.size(); ++g) {
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Variable& p = groups_[g].params[i];
      if (!p.grad().defined()) continue;
      ParamState& state = states_[g][i];
      if (state.slots.empty())
        for (size_t s = 0; s < slot_names().size(); ++s) state.slots.push_back(zeros(p.shape()));
      update(groups_[g], p, state.slots, ++state.steps);
    }
  }
}

void Optimizer::zero_grad() {
  for (auto& group : groups_)
    for (auto& p : group.params) p.zero_grad();
}

NamedTensorList Optimizer::state(const std::string& prefix) const {
  NamedTensorList out{{prefix + "step", from_vector<int64_t>({step_count_})}};
  const auto names = slot_names();
  for (size_t g = 0; g < states_.size(); ++g)
    for (size_t i = 0; i < states_[g].size(); ++i) {
      const ParamState& state = states_[g][i];
      if (state.steps == 0) continue;
      const std::string param = fmt::format("{}group{}.param{}.", prefix, g, i);
      out.emplace_back(param + "steps", from_vector<int64_t>({state.steps}));
      for (size_t s = 0; s < state.slots.size(); ++s)
        out.emplace_back(param + names[s], state.slots[s]);
    }
  return out;
}

namespace {

// Removes and returns the tensor called `name` from `given`, or an undefined tensor.
Tensor take(std::map<std::string, Tensor>& given, const std::string& name) {
  auto it = given.find(name);
  if (it == given.end()) return {};
  Tensor t = it->second;
  given.erase(it);
  return t;
}

}  // namespace

void Optimizer::load_state(const NamedTensorList& state, const std::string& prefix) {
  std::map<std::string, Tensor> given;
  for (const auto& [name, t] : state)
    if (name.rfind(prefix, 0) == 0) given.emplace(name, t);
  const Tensor step = take(given, prefix + "step");
  SG_CHECK(step.defined() && step.dtype() == DType::i64 && step.numel() == 1,
           "Optimizer::load_state: no '{}step' count", prefix);
  const auto names = slot_names();
  std::vector<std::vector<ParamState>> states(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    states[g].resize(groups_[g].params.size());
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const std::string param = fmt::format("{}group{}.param{}.", prefix, g, i);
      const Tensor steps = take(given, param + "steps");
      if (!steps.defined()) continue;  // a parameter that never had a gradient has no state
      SG_CHECK(steps.dtype() == DType::i64 && steps.numel() == 1 && steps.item<int64_t>() > 0,
               "Optimizer::load_state: '{}steps' is not a positive count", param);
      states[g][i].steps = steps.item<int64_t>();
      for (const std::string& slot : names) {
        const Tensor t = take(given, param + slot);
        SG_CHECK(t.defined(), "Optimizer::load_state: '{}{}' is missing", param, slot);
        SG_CHECK(t.shape() == groups_[g].params[i].shape() && t.dtype() == DType::f32,
                 "Optimizer::load_state: '{}{}' has shape {}, the parameter has {}", param, slot,
                 shape_str(t.shape()), shape_str(groups_[g].params[i].shape()));
        states[g][i].slots.push_back(t.clone());
      }
    }
  }
  SG_CHECK(given.empty(), "Optimizer::load_state: '{}' matches no parameter of this optimizer",
           given.begin()->first);
  states_ = std::move(states);
  step_count_ = step.item<int64_t>();
}

std::vector<ParamGroup> decay_groups(const std::vector<std::pair<std::string, Variable>>& params,
                                     float weight_decay) {
  ParamGroup decay{{}, weight_decay, 1.0f}, no_decay{{}, 0.0f, 1.0f};
  for (const auto& [name, p] : params) {
    // Biases of any rank (D's per-head [H, l] bias too) and every vector (LayerNorm) are not
    // decayed.
    const std::string leaf = name.substr(name.rfind('.') + 1);
    const bool decayed = p.dim() >= 2 && leaf.rfind("bias", 0) != 0;
    (decayed ? decay : no_decay).params.push_back(p);
  }
  return {decay, no_decay};
}

}  // namespace sg::optim
