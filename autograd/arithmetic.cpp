#include "synthgrad/autograd/arithmetic.h"

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/elementwise.h"
#include "synthgrad/core/reduce.h"

namespace sg {

// Broadcasting in the forward pass is a sum in the backward pass: sum_to folds each gradient back
// to its input's shape.

Variable add(const Variable& a, const Variable& b) {
  return record(
      "add", {a, b}, add(a.data(), b.data()),
      [sa = a.shape(), sb = b.shape()](const Tensor& g, const auto& needs) {
        return Grads{needs[0] ? sum_to(g, sa) : Tensor(), needs[1] ? sum_to(g, sb) : Tensor()};
      });
}

Variable sub(const Variable& a, const Variable& b) {
  return record(
      "sub", {a, b}, sub(a.data(), b.data()),
      [sa = a.shape(), sb = b.shape()](const Tensor& g, const auto& needs) {
        return Grads{needs[0] ? sum_to(g, sa) : Tensor(), needs[1] ? sum_to(neg(g), sb) : Tensor()};
      });
}

Variable mul(const Variable& a, const Variable& b) {
  return record("mul", {a, b}, mul(a.data(), b.data()),
                [a = a.data(), b = b.data()](const Tensor& g, const auto& needs) {
                  return Grads{needs[0] ? sum_to(mul(g, b), a.shape()) : Tensor(),
                               needs[1] ? sum_to(mul(g, a), b.shape()) : Tensor()};
                });
}

// d(a/b) = g/b for a and -g*a/b^2 = -(g/b)*(a/b) for b.
Variable div(const Variable& a, const Variable& b) {
  Tensor out = div(a.data(), b.data());
  return record("div", {a, b}, out,
                [out, b = b.data(), sa = a.shape()](const Tensor& g, const auto& needs) {
                  const Tensor g_over_b = div(g, b);
                  return Grads{needs[0] ? sum_to(g_over_b, sa) : Tensor(),
                               needs[1] ? sum_to(neg(mul(g_over_b, out)), b.shape()) : Tensor()};
                });
}

Variable neg(const Variable& x) {
  return record("neg", {x}, neg(x.data()),
                [](const Tensor& g, const auto&) { return Grads{neg(g)}; });
}

Variable add(const Variable& x, float c) {
  return record("add_scalar", {x}, add(x.data(), c),
                [](const Tensor& g, const auto&) { return Grads{g}; });
}

Variable mul(const Variable& x, float c) {
  return record("mul_scalar", {x}, mul(x.data(), c),
                [c](const Tensor& g, const auto&) { return Grads{mul(g, c)}; });
}

Variable pow(const Variable& x, float exponent) {
  return record("pow", {x}, pow(x.data(), exponent),
                [x = x.data(), exponent](const Tensor& g, const auto&) {
                  // x^0 is constant; x^-1 * 0 would be NaN at x = 0.
                  if (exponent == 0.0f) return Grads{zeros(g.shape())};
                  return Grads{mul(g, mul(pow(x, exponent - 1.0f), exponent))};
                });
}

}  // namespace sg
