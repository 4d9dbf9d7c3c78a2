#include "synthgrad/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"
#include "synthgrad/core/parallel.h"
#include "synthgrad/optim/flat_pass.h"

namespace sg::optim {

Optimizer::Optimizer(std::vector<ParamGroup> groups, float lr) : groups_(std::move(groups)) {
  set_lr(lr);
  // Every parameter's bytes, by where they start: the one pass of step() updates all parameters
  // at once, so one listed twice (or two whose data overlap) would be written by two threads.
  struct Extent {
    const char* end;
    size_t group, index;
  };
  std::map<const char*, Extent> seen;
  for (size_t g = 0; g < groups_.size(); ++g) {
    SG_CHECK(std::isfinite(groups_[g].lr_scale) && groups_[g].lr_scale >= 0.0f &&
                 std::isfinite(groups_[g].weight_decay) && groups_[g].weight_decay >= 0.0f,
             "Optimizer: group {} has lr_scale {} and weight_decay {}; both must be finite and "
             ">= 0",
             g, groups_[g].lr_scale, groups_[g].weight_decay);
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Variable& p = groups_[g].params[i];
      SG_CHECK(p.defined() && p.is_leaf() && p.requires_grad(),
               "Optimizer: group {} holds a tensor that is not a trainable leaf", g);
      check_updatable(p, g, i);
      if (p.numel() == 0) continue;
      const auto* begin = reinterpret_cast<const char*>(p.data().raw_data());
      const char* end = begin + p.numel() * static_cast<int64_t>(sizeof(float));
      // The parameter that starts at or after this one, or the one before, may overlap it.
      const auto next = seen.lower_bound(begin);
      auto overlapping = seen.end();
      if (next != seen.end() && next->first < end)
        overlapping = next;
      else if (next != seen.begin() && std::prev(next)->second.end > begin)
        overlapping = std::prev(next);
      SG_CHECK(overlapping == seen.end(),
               "Optimizer: parameter {} of group {} is parameter {} of group {} again (or shares "
               "its data); list each parameter once",
               i, g, overlapping->second.index, overlapping->second.group);
      seen.emplace(begin, Extent{end, g, i});
    }
    states_.emplace_back(groups_[g].params.size());
  }
}

// The update runs over a parameter's elements as one flat range (set_grad and the engine keep the
// gradient f32 of the parameter's shape; set_data may leave the data non-contiguous).
void Optimizer::check_updatable(const Variable& p, size_t g, size_t i) {
  SG_CHECK(p.data().is_contiguous(), "Optimizer: parameter {} of group {} ({}) must be contiguous",
           i, g, describe(p.data()));
}

void Optimizer::set_lr(float lr) {
  // An infinite rate would turn every parameter into inf or NaN at the next step.
  SG_CHECK(std::isfinite(lr) && lr >= 0.0f, "Optimizer: learning rate {} must be finite and >= 0",
           lr);
  lr_ = lr;
}

void Optimizer::allocate_state() {
  int64_t total = 0;
  for (const ParamGroup& group : groups_)
    for (const Variable& p : group.params) total += p.numel();
  flat_slots_.clear();
  for (size_t s = 0; s < slot_names().size(); ++s) flat_slots_.push_back(zeros({total}));
  int64_t offset = 0;
  for (size_t g = 0; g < groups_.size(); ++g)
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Variable& p = groups_[g].params[i];
      ParamState& state = states_[g][i];
      state = ParamState{};
      for (const Tensor& flat : flat_slots_)
        state.slots.push_back(flat.narrow(0, offset, p.numel()).view(p.shape()));
      offset += p.numel();
    }
  state_allocated_ = true;
}

namespace {

// Runs updates[k] over its parameter's elements for every k, the parameters laid end to end
// (updates[k] owns [starts[k], starts[k + 1])) and split across threads as one range.
void run_as_one_pass(const std::vector<int64_t>& starts,
                     const std::vector<std::function<void(int64_t, int64_t)>>& updates) {
  parallel_for(0, starts.back(), kParallelGrain, [&](int64_t begin, int64_t end) {
    detail::for_each_piece(starts, begin, end,
                           [&](size_t k, int64_t from, int64_t to) { updates[k](from, to); });
  });
}

}  // namespace

void Optimizer::step() {
  // Checked before anything changes, so that a refused step leaves every parameter and count.
  for (size_t g = 0; g < groups_.size(); ++g)
    for (size_t i = 0; i < groups_[g].params.size(); ++i)
      check_updatable(groups_[g].params[i], g, i);
  ++step_count_;
  if (!state_allocated_) allocate_state();
  std::vector<int64_t> starts{0};
  std::vector<RangeUpdate> updates;
  for (size_t g = 0; g < groups_.size(); ++g) {
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Variable& p = groups_[g].params[i];
      if (!p.grad().defined()) continue;
      ParamState& state = states_[g][i];
      updates.push_back(update(groups_[g], p, state.slots, ++state.steps));
      starts.push_back(starts.back() + p.numel());
    }
  }
  run_as_one_pass(starts, updates);
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
  SG_CHECK(step.item<int64_t>() >= 0, "Optimizer::load_state: '{}step' {} is negative", prefix,
           step.item<int64_t>());
  const auto names = slot_names();
  // Everything is checked before anything changes: [group][param] -> the loaded step count and
  // slots (none for a parameter without state).
  std::vector<std::vector<std::pair<int64_t, std::vector<Tensor>>>> loaded(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    loaded[g].resize(groups_[g].params.size());
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const std::string param = fmt::format("{}group{}.param{}.", prefix, g, i);
      const Tensor steps = take(given, param + "steps");
      if (!steps.defined()) continue;  // a parameter that never had a gradient has no state
      SG_CHECK(steps.dtype() == DType::i64 && steps.numel() == 1 && steps.item<int64_t>() > 0,
               "Optimizer::load_state: '{}steps' is not a positive count", param);
      loaded[g][i].first = steps.item<int64_t>();
      for (const std::string& slot : names) {
        const Tensor t = take(given, param + slot);
        SG_CHECK(t.defined(), "Optimizer::load_state: '{}{}' is missing", param, slot);
        SG_CHECK(t.dtype() == DType::f32, "Optimizer::load_state: '{}{}' has dtype {}, not f32",
                 param, slot, dtype_name(t.dtype()));
        SG_CHECK(t.shape() == groups_[g].params[i].shape(),
                 "Optimizer::load_state: '{}{}' has shape {}, the parameter has {}", param, slot,
                 shape_str(t.shape()), shape_str(groups_[g].params[i].shape()));
        loaded[g][i].second.push_back(t);
      }
    }
  }
  SG_CHECK(given.empty(), "Optimizer::load_state: '{}' matches no parameter of this optimizer",
           given.begin()->first);
  allocate_state();
  for (size_t g = 0; g < groups_.size(); ++g)
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      ParamState& target = states_[g][i];
      target.steps = loaded[g][i].first;
      for (size_t s = 0; s < loaded[g][i].second.size(); ++s)
        copy_into(target.slots[s], loaded[g][i].second[s]);
    }
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

std::vector<ParamGroup> decay_groups_with_scaled(
    const std::vector<std::pair<std::string, Variable>>& params, float weight_decay,
    const std::string& name, float lr_scale) {
  auto rest = params;
  const auto scaled = std::find_if(rest.begin(), rest.end(),
                                   [&](const auto& entry) { return entry.first == name; });
  SG_CHECK(scaled != rest.end(), "decay_groups_with_scaled: no parameter is called '{}'", name);
  const std::vector<std::pair<std::string, Variable>> own{*scaled};
  rest.erase(scaled);
  std::vector<ParamGroup> groups = decay_groups(rest, weight_decay);
  for (ParamGroup& group : decay_groups(own, weight_decay)) {
    if (group.params.empty()) continue;
    group.lr_scale = lr_scale;
    groups.push_back(group);
  }
  return groups;
}

}  // namespace sg::optim
