#include "synthgrad/models/mlm_head.h"

#include "synthgrad/autograd/activations.h"
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/creation.h"

namespace sg::models {

MlmHead::MlmHead(int64_t dim, int64_t vocab_size, Generator& init) {
  transform = register_module("transform", std::make_shared<nn::Linear>(dim, dim, init));
  norm = register_module("norm", std::make_shared<nn::LayerNorm>(dim));
  output_bias = register_parameter("output_bias", zeros({vocab_size}));
}

Variable MlmHead::forward(const Variable& hidden, const Variable& embedding) {
  const Variable transformed = gelu(transform->forward(hidden));
  return matmul(norm->forward(transformed), transpose(embedding, 0, 1), 1.0f, output_bias);
}

}  // namespace sg::models
