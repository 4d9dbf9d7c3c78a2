#include "synthgrad/autograd/layer_norm.h"

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/normalization.h"

namespace sg {

Variable layer_norm(const Variable& x, const Variable& gamma, const Variable& beta, float eps) {
  const Tensor g = data_or_none(gamma);
  LayerNormOutput out = layer_norm(x.data(), g, data_or_none(beta), eps);
  return record(
      "layer_norm", {x, gamma, beta}, out.y,
      [x = x.data(), g, mean = out.mean, rstd = out.rstd](const Tensor& grad, const auto&) {
        LayerNormGrads d = layer_norm_backward(grad, x, g, mean, rstd);
        return Grads{d.dx, d.dgamma, d.dbeta};
      });
}

}  // namespace sg
