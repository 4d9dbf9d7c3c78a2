#pragma once
// Reductions over any set of axes (an empty list means all). The order of additions depends only
// on the shape, never on the thread count, so results are bit-identical from run to run.
#include <vector>

#include "synthgrad/core/tensor.h"

namespace sg {

Tensor sum(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor max(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim = false);  // i64, first maximum wins

// Sums `x` down to `shape`, which x's shape broadcasts from: the reverse of broadcasting.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace sg
