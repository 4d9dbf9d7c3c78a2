#pragma once
// The models of models/ in double precision, composed from the block reference
// (nn/transformer_reference.h) and the attention reference (nn/attention_reference.h); parameters
// are read by their names in the model's state dict.
#include <vector>

#include "nn/transformer_reference.h"
#include "synthgrad/models/config.h"

namespace sg::testing {

struct TokenBatch {
  int64_t batch = 0, length = 0;
  std::vector<int64_t> ids;       // [batch, length]
  std::vector<int64_t> segments;  // [batch, length]; empty without segment embeddings
  std::vector<int> padding;       // [batch, length], 1 at padding; may be empty
};

// Hidden states [B, L, d] of a Trunk with parameters `params` (its own names, e.g.
// "tokens.weight"): embeddings summed, dropout, the blocks, the final LayerNorm. With
// first_position_only, [B, d]: the last block's residual adds and second half on position 0 of
// each example alone, as Trunk::encode with nn::OutputPositions::first.
Values trunk(const Params& params, const models::ModelConfig& config, const TokenBatch& input,
             bool causal, DropoutReplay* dropout, bool first_position_only = false);

// EncoderClassifier: the head applied to the hidden state of position 0, to the mean of the
// non-padding positions', or to the two segments' means compared (config.pooling), [B, C].
Values classifier_logits(const Params& params, const models::ModelConfig& config,
                         const TokenBatch& input, DropoutReplay* dropout);

// CausalLM: hidden states times the token embedding transposed (tied) or the output layer, [B, L,
// V].
Values lm_logits(const Params& params, const models::ModelConfig& config, const TokenBatch& input,
                 DropoutReplay* dropout);

// Mean over b and t < L - 1 of -log softmax(logits[b, t])[ids[b, t + 1]], logits [B, L, V].
double next_token_loss(const Values& logits, const TokenBatch& input, int64_t vocab);

}  // namespace sg::testing
