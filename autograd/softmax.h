#pragma once
#include "synthgrad/autograd/variable.h"

namespace sg {

// Along `axis`, with an optional additive (f32) or boolean (b8, 1 = masked out) mask; see
// core/softmax.h. The mask is a constant: no gradient flows into it.
Variable softmax(const Variable& x, int64_t axis, const Tensor& mask = {});
Variable log_softmax(const Variable& x, int64_t axis, const Tensor& mask = {});

}  // namespace sg
