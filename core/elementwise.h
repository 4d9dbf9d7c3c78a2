#pragma once
// Element-wise kernels on f32 tensors. Binary kernels broadcast as NumPy does; inputs may be any
// strided view; outputs are fresh and contiguous.
#include "synthgrad/core/random.h"
#include "synthgrad/core/tensor.h"

namespace sg {

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
// log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so that no exp overflows.
Tensor softplus(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);  // exact: x * Phi(x), as PyTorch's default
// grad * d gelu(x) / dx = grad * (Phi(x) + x * phi(x)), fused because erf has no composition here.
Tensor gelu_backward(const Tensor& x, const Tensor& grad);
// GELU followed by inverted dropout in one pass, and its gradient (the mask's factor, then GELU's
// derivative): the same numbers, bit for bit, as gelu then apply_dropout_mask, without the
// tensor between them.
Tensor gelu(const Tensor& x, const DropoutMask& mask);
Tensor gelu_backward(const Tensor& x, const Tensor& grad, const DropoutMask& mask);
// x + y * (the mask's factor) in one pass, x and y of one shape: a residual connection around a
// dropped-out branch. add(x, apply_dropout_mask(y, mask)) within one rounding: the compiler may
// fuse the multiply and the add.
Tensor add(const Tensor& x, const Tensor& y, const DropoutMask& mask);
Tensor abs(const Tensor& x);

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

Tensor add(const Tensor& a, float b);
Tensor mul(const Tensor& a, float b);
Tensor pow(const Tensor& a, float exponent);

// Comparisons give b8 tensors (1 where true).
Tensor eq(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);

// dst += alpha * src, src broadcast to dst's shape; dst may be a strided view.
void add_inplace(const Tensor& dst, const Tensor& src, float alpha = 1.0f);
void mul_inplace(const Tensor& dst, float factor);
void fill_inplace(const Tensor& dst, float value);

inline Tensor operator-(const Tensor& x) {
  return neg(x);
}
inline Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
inline Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
inline Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
inline Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
inline Tensor operator+(const Tensor& a, float b) {
  return add(a, b);
}
inline Tensor operator-(const Tensor& a, float b) {
  return add(a, -b);
}
inline Tensor operator*(const Tensor& a, float b) {
  return mul(a, b);
}
inline Tensor operator/(const Tensor& a, float b) {
  return mul(a, 1.0f / b);
}
inline Tensor operator+(float a, const Tensor& b) {
  return add(b, a);
}
inline Tensor operator*(float a, const Tensor& b) {
  return mul(b, a);
}

}  // namespace sg
