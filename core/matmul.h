#pragma once
#include "core/tensor.h"

namespace sg {

// a [..., M, K] @ b [..., K, N] -> [..., M, N]; the leading batch axes broadcast. Transposed views
// reach BLAS as transposition flags, not copies; a batch of a against one shared b is a single GEMM.
Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace sg
