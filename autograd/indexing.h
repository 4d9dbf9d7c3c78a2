#pragma once
#include "synthgrad/autograd/variable.h"

namespace sg {

// Rows of weight [V, D] picked by integer ids (a plain tensor: ids have no gradient).
Variable embedding(const Variable& weight, const Tensor& ids);
// x with `value` wherever the b8 mask (broadcast to x) is 1; those positions get no gradient.
Variable masked_fill(const Variable& x, const Tensor& mask, float value);

}  // namespace sg
