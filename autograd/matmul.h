#pragma once
#include "synthgrad/autograd/variable.h"

namespace sg {

// a [..., M, K] @ b [..., K, N] with broadcast batch axes (core/matmul.h).
Variable matmul(const Variable& a, const Variable& b);
// alpha * (a @ b) + bias in one GEMM; bias broadcasts to the product's shape and may be undefined.
// A linear layer is matmul(x, transpose(w, 0, 1), 1, b).
Variable matmul(const Variable& a, const Variable& b, float alpha, const Variable& bias = {});

}  // namespace sg
