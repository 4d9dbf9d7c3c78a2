#pragma once
#include "synthgrad/core/random.h"
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

// Throws unless an input of `shape` can be normalised with this gamma and beta; the message
// names `op`.
void check_layer_norm_inputs(const char* op, const Shape& shape, const Tensor& gamma,
                             const Tensor& beta);

struct LayerNormGrads {
  Tensor dx;
  Tensor dgamma;  // undefined when gamma is
  Tensor dbeta;
};

// The fused backward pass, from the statistics the forward pass saved:
// dx = rstd * (g' - mean(g') - x_hat * mean(g' * x_hat)) with g' = grad * gamma.
LayerNormGrads layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& gamma,
                                   const Tensor& mean, const Tensor& rstd);

// A pre-LayerNorm block's residual add and the next layer norm in one pass over the rows:
// sum = residual + dropout(branch) (the stream the block carries on) and norm = layer_norm(sum),
// each row normalised while it is still in cache. `mask` may be null (no dropout); with one, `sum`
// is add(residual, branch, *mask) and `norm` is layer_norm(sum), bit for bit.
struct AddLayerNormOutput {
  Tensor sum;
  LayerNormOutput norm;
};
AddLayerNormOutput add_layer_norm(const Tensor& residual, const Tensor& branch,
                                  const DropoutMask* mask, const Tensor& gamma, const Tensor& beta,
                                  float eps);

struct AddLayerNormGrads {
  Tensor dresidual;  // grad_sum + the layer norm's input gradient
  Tensor dbranch;    // dresidual through the mask
  Tensor dgamma;     // undefined when gamma is
  Tensor dbeta;
};

// Its backward, one pass: grad_norm through the layer norm (from the forward's sum and
// statistics), plus grad_sum, which may be undefined (the sum used only by the norm).
AddLayerNormGrads add_layer_norm_backward(const Tensor& grad_sum, const Tensor& grad_norm,
                                          const Tensor& sum, const Tensor& gamma,
                                          const Tensor& mean, const Tensor& rstd,
                                          const DropoutMask* mask);

}  // namespace sg
