#include "synthgrad/autograd/dropout.h"

#include "synthgrad/autograd/activations.h"
#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/record.h"
#include "synthgrad/core/elementwise.h"

namespace sg {

bool drops(const char* op, float p, bool training, const Generator* gen) {
  SG_CHECK(p >= 0.0f && p < 1.0f, "{}: probability {} is outside [0, 1)", op, p);
  const bool drop = training && p > 0.0f;
  SG_CHECK(!drop || gen != nullptr, "{}: dropout {} needs a generator", op, p);
  return drop;
}

Variable dropout(const Variable& x, float p, bool training, Generator& gen) {
  if (!drops("dropout", p, training, &gen)) return x;
  // Forward and backward are both a multiply by the kept-and-scaled mask; the backward regenerates
  // it from the generator's counter instead of keeping a tensor of it alive.
  const DropoutMask mask = reserve_dropout_mask(gen, x.numel(), p);
  return record(
      "dropout", {x}, apply_dropout_mask(x.data(), mask),
      [mask](const Tensor& g, const auto&) { return Grads{apply_dropout_mask(g, mask)}; });
}

Variable gelu_dropout(const Variable& x, float p, bool training, Generator* gen) {
  if (!drops("gelu_dropout", p, training, gen)) return gelu(x);
  const DropoutMask mask = reserve_dropout_mask(*gen, x.numel(), p);
  return record("gelu_dropout", {x}, gelu(x.data(), mask),
                [x = x.data(), mask](const Tensor& g, const auto&) {
                  return Grads{gelu_backward(x, g, mask)};
                });
}

Variable add_dropout(const Variable& residual, const Variable& x, float p, bool training,
                     Generator* gen) {
  const bool drop = drops("add_dropout", p, training, gen);
  SG_CHECK(residual.shape() == x.shape(), "add_dropout: residual {} and branch {} differ in shape",
           shape_str(residual.shape()), shape_str(x.shape()));
  if (!drop) return residual + x;
  const DropoutMask mask = reserve_dropout_mask(*gen, x.numel(), p);
  return record("add_dropout", {residual, x}, add(residual.data(), x.data(), mask),
                [mask](const Tensor& g, const auto&) {
                  return Grads{g, apply_dropout_mask(g, mask)};
                });
}

}  // namespace sg
