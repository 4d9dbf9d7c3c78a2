#pragma once
#include <vector>

#include "synthgrad/autograd/variable.h"

namespace sg {

// Over `axes` (empty: all), as in core/reduce.h.
Variable sum(const Variable& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Variable mean(const Variable& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
// The gradient is shared evenly between tied maxima.
Variable max(const Variable& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);

}  // namespace sg
