#pragma once
// How a differentiable op is written: compute the forward with core kernels, then
//
//   return record("mul", {a, b}, out, [a = a.data(), b = b.data()](const Tensor& g, auto& needs) {
//     return Grads{needs[0] ? sum_to(mul(g, b), a.shape()) : Tensor{}, ...};
//   });
//
// record() attaches a Node only when gradients are enabled and some input requires one, so the
// same code serves training and inference.
#include <string_view>

#include "synthgrad/autograd/variable.h"

namespace sg {

Variable record(std::string_view op, std::vector<Variable> inputs, Tensor output,
                BackwardFn backward);

// The same for an op with several outputs, which share one Node: its rule runs once, after every
// consumer of every output, with all their gradients (undefined for an output nobody used).
std::vector<Variable> record_outputs(std::string_view op, std::vector<Variable> inputs,
                                     std::vector<Tensor> outputs, MultiBackwardFn backward);

// True when recording is on and some input requires a gradient.
bool any_requires_grad(const std::vector<Variable>& inputs);

// The tensor of an optional input (layer_norm's gamma, fused_attention's logits), or undefined.
inline Tensor data_or_none(const Variable& v) {
  return v.defined() ? v.data() : Tensor();
}

}  // namespace sg
