#include "models/mlm_head.h"

#include "autograd/activations.h"
#include "autograd/layer_norm.h"
#include "autograd/matmul.h"
#include "autograd/shape_ops.h"
#include "core/creation.h"

namespace sg::models {

Variable mlm_head_logits(const Variable& hidden, const MlmHeadWeights& w) {
  const Variable transformed =
      gelu(matmul(hidden, transpose(w.transform_weight, 0, 1), 1.0f, w.transform_bias));
  const Variable normed = layer_norm(transformed, w.norm_weight, w.norm_bias);
  return matmul(normed, transpose(w.embedding, 0, 1), 1.0f, w.output_bias);
}

MlmHead::MlmHead(int64_t dim, int64_t vocab_size, Generator& init) {
  transform = register_module("transform", std::make_shared<nn::Linear>(dim, dim, init));
  norm = register_module("norm", std::make_shared<nn::LayerNorm>(dim));
  output_bias = register_parameter("output_bias", zeros({vocab_size}));
}

Variable MlmHead::forward(const Variable& hidden, const Variable& embedding) {
  return mlm_head_logits(hidden, {.transform_weight = transform->weight,
                                  .transform_bias = transform->bias,
                                  .norm_weight = norm->weight,
                                  .norm_bias = norm->bias,
                                  .embedding = embedding,
                                  .output_bias = output_bias});
}

}  // namespace sg::models
