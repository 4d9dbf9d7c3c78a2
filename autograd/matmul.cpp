#include "autograd/matmul.h"

#include "autograd/record.h"
#include "core/matmul.h"
#include "core/reduce.h"

namespace sg {

namespace {

Tensor transposed(const Tensor& t) { return t.transpose(-1, -2); }

// dB = A^T @ G summed over the batch. When B is one shared matrix, the batch and row axes fold
// into one: a single [K, B*M] @ [B*M, N] GEMM instead of a batched product and a reduction.
Tensor grad_of_shared_b(const Tensor& a, const Tensor& g, const Shape& b_shape) {
  if (b_shape.size() == 2 && a.dim() > 2) {
    const Tensor a2 = a.reshape({-1, a.size(-1)});
    return matmul(transposed(a2), g.reshape({-1, g.size(-1)}));
  }
  return sum_to(matmul(transposed(a), g), b_shape);
}

}  // namespace

// For C = A B: dA = G B^T and dB = A^T G; the transposes are views that reach BLAS as flags.
Variable matmul(const Variable& a, const Variable& b) {
  return record("matmul", {a, b}, matmul(a.data(), b.data()),
                [a = a.data(), b = b.data()](const Tensor& g, const auto& needs) {
                  return Grads{needs[0] ? sum_to(matmul(g, transposed(b)), a.shape()) : Tensor(),
                               needs[1] ? grad_of_shared_b(a, g, b.shape()) : Tensor()};
                });
}

}  // namespace sg
