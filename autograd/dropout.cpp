#include "autograd/dropout.h"

#include "autograd/record.h"
#include "core/elementwise.h"

namespace sg {

Variable dropout(const Variable& x, float p, bool training, Generator& gen) {
  SG_CHECK(p >= 0.0f && p < 1.0f, "dropout: probability {} is outside [0, 1)", p);
  if (!training || p == 0.0f) return x;
  // The kept-and-scaled mask is one f32 tensor: forward and backward are both a multiply by it.
  const Tensor scale = mul(bernoulli(x.shape(), 1.0f - p, gen).to(DType::f32), 1.0f / (1.0f - p));
  return record("dropout", {x}, mul(x.data(), scale),
                [scale](const Tensor& g, const auto&) { return Grads{mul(g, scale)}; });
}

}  // namespace sg
