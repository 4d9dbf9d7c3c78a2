#pragma once
// BERT's masked-LM head: hidden -> Linear + GELU + LayerNorm -> logits through the token embedding
// (tied, transposed) plus an output bias of its own.
#include <memory>

#include "synthgrad/nn/layer_norm.h"
#include "synthgrad/nn/linear.h"

namespace sg::models {

class MlmHead : public nn::Module {
 public:
  MlmHead(int64_t dim, int64_t vocab_size, Generator& init);
  // hidden [..., d] -> logits [..., V] = LayerNorm(GELU(hidden W^T + b)) E^T + output_bias, where
  // E [V, d] is the trunk's token embedding, passed in rather than owned.
  Variable forward(const Variable& hidden, const Variable& embedding);
  std::string type_name() const override { return "MlmHead"; }

  std::shared_ptr<nn::Linear> transform;
  std::shared_ptr<nn::LayerNorm> norm;
  Variable output_bias;
};

}  // namespace sg::models
