#pragma once
// BERT's masked-LM head: hidden -> Linear + GELU + LayerNorm -> logits through the token embedding
// (tied, transposed) plus an output bias of its own.
#include <memory>

#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace sg::models {

struct MlmHeadWeights {
  Variable transform_weight;  // [d, d]
  Variable transform_bias;    // [d]
  Variable norm_weight;       // [d]
  Variable norm_bias;         // [d]
  Variable embedding;         // [V, d], the trunk's token embedding
  Variable output_bias;       // [V]
};

// hidden [..., d] -> logits [..., V] = LayerNorm(GELU(hidden W^T + b)) E^T + c. A function of its
// weights, so gradcheck can differentiate every one of them.
Variable mlm_head_logits(const Variable& hidden, const MlmHeadWeights& weights);

class MlmHead : public nn::Module {
 public:
  MlmHead(int64_t dim, int64_t vocab_size, Generator& init);
  // The embedding is the trunk's, so it is passed in rather than owned.
  Variable forward(const Variable& hidden, const Variable& embedding);
  std::string type_name() const override { return "MlmHead"; }

  std::shared_ptr<nn::Linear> transform;
  std::shared_ptr<nn::LayerNorm> norm;
  Variable output_bias;
};

}  // namespace sg::models
