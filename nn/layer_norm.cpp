#include "synthgrad/nn/layer_norm.h"

#include "synthgrad/autograd/layer_norm.h"
#include "synthgrad/core/creation.h"

namespace sg::nn {

LayerNorm::LayerNorm(int64_t dim, float eps) : eps_(eps) {
  SG_CHECK(dim > 0 && eps > 0.0f, "LayerNorm: dim {} and eps {} must be positive", dim, eps);
  weight = register_parameter("weight", ones({dim}));
  bias = register_parameter("bias", zeros({dim}));
}

Variable LayerNorm::forward(const Variable& x) {
  // Named here: the op's own message would blame its gamma for the input's width.
  SG_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(0),
           "LayerNorm: input of shape {} does not end in dim={}", shape_str(x.shape()),
           weight.size(0));
  return layer_norm(x, weight, bias, eps_);
}

AddLayerNorm LayerNorm::forward_residual(const Variable& residual, const Variable& branch,
                                         const Dropout& dropout) const {
  return add_dropout_layer_norm(residual, branch, weight, bias, dropout.p(), dropout.is_training(),
                                dropout.generator(), eps_);
}

std::string LayerNorm::settings() const {
  return fmt::format("dim={}, eps={}", weight.size(0), eps_);
}

}  // namespace sg::nn
