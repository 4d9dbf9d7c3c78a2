#pragma once
// Gathers, scatters and selections.
#include <vector>

#include "synthgrad/core/tensor.h"

namespace sg {

// weight [V, D], integer ids of any shape -> ids.shape + [D]. Ids outside [0, V) throw.
Tensor embedding(const Tensor& weight, const Tensor& ids);

// dst[ids[i], :] += src[i, :] for every position i of ids; src has shape ids.shape + [D].
// Positions are applied in order, so repeated ids accumulate deterministically.
void index_add_rows_inplace(const Tensor& dst, const Tensor& ids, const Tensor& src);

// cond (b8), a and b (f32) broadcast together; picks a where cond is 1.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);

Tensor concat(const std::vector<Tensor>& tensors, int64_t axis);
// Views of consecutive pieces of x along axis; sizes must add up to x.size(axis).
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis);

}  // namespace sg
