#pragma once
#include "synthgrad/autograd/variable.h"

namespace sg::nn {

// [B, L, H * dh] -> [B, H, L, dh], a view.
Variable split_heads(const Variable& x, int64_t heads);
// [B, H, L, dh] -> [B, L, H * dh].
Variable merge_heads(const Variable& x);
// The first n positions of x [B, L, ...]: x itself when n is L (no view, so no extra pass in the
// backward).
Variable first_positions(const Variable& x, int64_t n);

}  // namespace sg::nn
