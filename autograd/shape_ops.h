#pragma once
// Differentiable views and joins. Forward results are views of the input where core allows it.
#include <vector>

#include "synthgrad/autograd/variable.h"

namespace sg {

Variable reshape(const Variable& x, const Shape& shape);
Variable transpose(const Variable& x, int64_t axis0, int64_t axis1);
Variable permute(const Variable& x, const std::vector<int64_t>& order);
Variable slice(const Variable& x, int64_t axis, int64_t start, int64_t end, int64_t step = 1);
Variable narrow(const Variable& x, int64_t axis, int64_t start, int64_t length);
Variable select(const Variable& x, int64_t axis, int64_t index);
Variable unsqueeze(const Variable& x, int64_t axis);
Variable squeeze(const Variable& x, int64_t axis);
Variable expand(const Variable& x, const Shape& shape);
Variable concat(const std::vector<Variable>& xs, int64_t axis);
std::vector<Variable> split(const Variable& x, const std::vector<int64_t>& sizes, int64_t axis);

}  // namespace sg
