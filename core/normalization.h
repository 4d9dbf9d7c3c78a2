#pragma once
#include "synthgrad/core/tensor.h"

namespace sg {

// Layer normalisation over the last axis. mean and rstd (1 / sqrt(var + eps)) have x's shape
// without its last axis; the backward pass reuses them.
struct LayerNormOutput {
  Tensor y;
  Tensor mean;
  Tensor rstd;
};

// gamma and beta have shape [D] and may be undefined (no scale / no shift).
LayerNormOutput layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps);

struct LayerNormGrads {
  Tensor dx;
  Tensor dgamma;  // undefined when gamma is
  Tensor dbeta;
};

// The fused backward pass, from the statistics the forward pass saved:
// dx = rstd * (g' - mean(g') - x_hat * mean(g' * x_hat)) with g' = grad * gamma.
LayerNormGrads layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& gamma,
                                   const Tensor& mean, const Tensor& rstd);

}  // namespace sg
