#pragma once
#include "autograd/variable.h"

namespace sg {

// a [..., M, K] @ b [..., K, N] with broadcast batch axes (core/matmul.h).
Variable matmul(const Variable& a, const Variable& b);

}  // namespace sg
