#pragma once
// Differentiable arithmetic with NumPy broadcasting, and the operators that make model code read
// like the math: `auto y = matmul(x, w) + b;`.
#include "synthgrad/autograd/variable.h"

namespace sg {

Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable neg(const Variable& x);
Variable add(const Variable& x, float c);
Variable mul(const Variable& x, float c);
Variable pow(const Variable& x, float exponent);

inline Variable operator+(const Variable& a, const Variable& b) {
  return add(a, b);
}
inline Variable operator-(const Variable& a, const Variable& b) {
  return sub(a, b);
}
inline Variable operator*(const Variable& a, const Variable& b) {
  return mul(a, b);
}
inline Variable operator/(const Variable& a, const Variable& b) {
  return div(a, b);
}
inline Variable operator-(const Variable& x) {
  return neg(x);
}
inline Variable operator+(const Variable& x, float c) {
  return add(x, c);
}
inline Variable operator-(const Variable& x, float c) {
  return add(x, -c);
}
inline Variable operator*(const Variable& x, float c) {
  return mul(x, c);
}
inline Variable operator/(const Variable& x, float c) {
  return mul(x, 1.0f / c);
}
inline Variable operator+(float c, const Variable& x) {
  return add(x, c);
}
inline Variable operator-(float c, const Variable& x) {
  return add(neg(x), c);
}
inline Variable operator*(float c, const Variable& x) {
  return mul(x, c);
}

}  // namespace sg
