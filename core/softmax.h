#pragma once
#include "synthgrad/core/tensor.h"

namespace sg {

// Softmax along `axis`. An optional mask broadcastable to x is either additive (f32, added to the
// logits) or boolean (b8, 1 = masked out). Masked entries get probability 0; a row with every entry
// masked gives all zeros (softmax) or all -inf (log_softmax) rather than NaN; a NaN among the
// entries not masked gives a row of NaN.
Tensor softmax(const Tensor& x, int64_t axis, const Tensor& mask = {});
Tensor log_softmax(const Tensor& x, int64_t axis, const Tensor& mask = {});
// The gradient of y = softmax(x) along `axis`, from y and dL/dy: y * (g - sum(g * y)), one fused
// pass per row instead of four element-wise kernels and a reduction.
Tensor softmax_backward(const Tensor& y, const Tensor& grad, int64_t axis);

}  // namespace sg
