#pragma once
// Optimizer: updates parameters from their .grad() in one fused pass over all of them, as if they
// were one flat buffer: the state (moments) lives in one flat tensor per kind, and one parallel
// loop runs over the elements of every parameter, so a model of many small tensors (biases, norms)
// costs one pass, not one per tensor. Parameters without a gradient are left alone. State (moments,
// step count) is exposed as named tensors, so a training checkpoint saves it beside the model and a
// resume continues bit for bit.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "synthgrad/autograd/variable.h"
#include "synthgrad/core/safetensors.h"

namespace sg::optim {

// Parameters sharing hyper-parameters; e.g. weights with weight decay, biases and norms without.
struct ParamGroup {
  std::vector<Variable> params;
  float weight_decay = 0.0f;
  float lr_scale = 1.0f;  // the group's learning rate is lr() * lr_scale
};

class Optimizer {
 public:
  Optimizer(std::vector<ParamGroup> groups, float lr);
  virtual ~Optimizer() = default;
  // A copy would share the moment tensors with the original, and stepping both would corrupt both.
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;

  void step();  // applies one update and counts it
  void zero_grad();
  float lr() const { return lr_; }
  void set_lr(float lr);
  int64_t step_count() const { return step_count_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }

  // Named tensors "<prefix>step", and for each parameter updated so far
  // "<prefix>group<g>.param<i>.steps" and ".<slot>". The slot tensors are the live state (save them
  // before the next step); load checks every name and shape.
  NamedTensorList state(const std::string& prefix = "optimizer.") const;
  void load_state(const NamedTensorList& state, const std::string& prefix = "optimizer.");

 protected:
  // One parameter's update of its elements [begin, end) (row-major). Ranges are disjoint and may
  // run on any thread, in any order.
  using RangeUpdate = std::function<void(int64_t begin, int64_t end)>;
  // Prepares one parameter's update: `slots` are this parameter's parts of the flat state tensors
  // (one per slot_names(), zero before its first update), `t` counts this parameter's updates
  // from 1 (as PyTorch does: a parameter that first gets a gradient late starts its bias
  // correction then).
  virtual RangeUpdate update(const ParamGroup& group, const Variable& param,
                             const std::vector<Tensor>& slots, int64_t t) = 0;
  virtual std::vector<std::string> slot_names() const = 0;
  float lr_value(const ParamGroup& group) const { return lr_ * group.lr_scale; }

 private:
  // Allocates the flat state tensors (zeros) and each parameter's views of them.
  void allocate_state();

  // Throws unless p (parameter i of group g) has contiguous data.
  static void check_updatable(const Variable& p, size_t g, size_t i);

  std::vector<ParamGroup> groups_;
  struct ParamState {
    int64_t steps = 0;
    std::vector<Tensor> slots;  // views of flat_slots_
  };
  std::vector<std::vector<ParamState>> states_;  // [group][param]
  std::vector<Tensor> flat_slots_;               // one per slot name, over every parameter
  bool state_allocated_ = false;
  float lr_;
  int64_t step_count_ = 0;
};

// Splits named parameters into a decayed group (matrices and embeddings: rank >= 2) and a group
// without decay (anything whose name ends in "bias..." whatever its rank, and every vector such as
// LayerNorm weights), the usual AdamW practice.
std::vector<ParamGroup> decay_groups(const std::vector<std::pair<std::string, Variable>>& params,
                                     float weight_decay);

// decay_groups, with the parameter called `name` in a group of its own (decayed as its rank says)
// whose rate is lr_scale of the others': 0 freezes it, as when pre-trained word vectors are kept
// while the rest learns. Throws, naming it, if no parameter has that name.
std::vector<ParamGroup> decay_groups_with_scaled(
    const std::vector<std::pair<std::string, Variable>>& params, float weight_decay,
    const std::string& name, float lr_scale);

}  // namespace sg::optim
