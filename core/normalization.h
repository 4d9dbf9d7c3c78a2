#pragma once
#include "core/tensor.h"

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

}  // namespace sg
