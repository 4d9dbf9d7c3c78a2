#pragma once
#include "synthgrad/core/tensor.h"

namespace sg {

// a [..., M, K] @ b [..., K, N] -> [..., M, N]; the leading batch axes broadcast. Transposed views
// reach BLAS as transposition flags, not copies; a batch of a against one shared b is a single
// GEMM.
Tensor matmul(const Tensor& a, const Tensor& b);
// alpha * (a @ b) + bias, bias broadcast to the product's shape (or undefined). The scale is the
// GEMM's alpha and the bias its starting C (beta = 1): no extra passes over the result.
Tensor matmul(const Tensor& a, const Tensor& b, float alpha, const Tensor& bias = {});

}  // namespace sg
