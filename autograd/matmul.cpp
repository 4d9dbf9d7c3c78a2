#include "synthgrad/autograd/matmul.h"

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/matmul.h"
#include "synthgrad/core/reduce.h"

namespace sg {

namespace {

Tensor transposed(const Tensor& t) {
  return t.transpose(-1, -2);
}

// [..., n] as [rows, n]; the row count is spelled out because -1 is ambiguous when n is 0.
Tensor rows_of(const Tensor& t) {
  const Shape& shape = t.shape();
  return t.reshape({numel_of(Shape(shape.begin(), shape.end() - 1)), shape.back()});
}

// dB = alpha A^T @ G summed over the batch. When B is one shared matrix, the batch and row axes
// fold into one: a single [K, B*M] @ [B*M, N] GEMM instead of a batched product and a reduction.
// When B is stored transposed (a weight w used as transpose(w)), the gradient is computed as
// (G^T @ A)^T, so that it too is stored transposed and reaches w without a transposing copy.
Tensor grad_of_shared_b(const Tensor& a, const Tensor& g, const Tensor& b, float alpha) {
  if (b.dim() == 2 && a.dim() > 2) {
    const Tensor a2 = rows_of(a);
    const Tensor g2 = rows_of(g);
    if (transposed(b).is_contiguous() && !b.is_contiguous())
      return transposed(matmul(transposed(g2), a2, alpha));
    return matmul(transposed(a2), g2, alpha);
  }
  if (b.dim() == 2 && transposed(b).is_contiguous() && !b.is_contiguous())
    return transposed(matmul(transposed(g), a, alpha));
  return sum_to(matmul(transposed(a), g, alpha), b.shape());
}

}  // namespace

Variable matmul(const Variable& a, const Variable& b) {
  return matmul(a, b, 1.0f);
}

// For C = alpha A B + bias: dA = alpha G B^T, dB = alpha A^T G and dbias = G summed to the bias's
// shape; the transposes are views that reach BLAS as flags.
Variable matmul(const Variable& a, const Variable& b, float alpha, const Variable& bias) {
  const Tensor out = matmul(a.data(), b.data(), alpha, bias.defined() ? bias.data() : Tensor());
  auto backward = [a = a.data(), b = b.data(), alpha](const Tensor& g, const auto& needs) {
    Grads grads{needs[0] ? sum_to(matmul(g, transposed(b), alpha), a.shape()) : Tensor(),
                needs[1] ? grad_of_shared_b(a, g, b, alpha) : Tensor()};
    return grads;
  };
  if (!bias.defined()) return record("matmul", {a, b}, out, backward);
  return record("matmul", {a, b, bias}, out,
                [backward, bias_shape = bias.shape()](const Tensor& g, const auto& needs) {
                  Grads grads = backward(g, needs);
                  grads.push_back(needs[2] ? sum_to(g, bias_shape) : Tensor());
                  return grads;
                });
}

}  // namespace sg
