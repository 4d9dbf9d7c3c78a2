#pragma once
// The attention family as one token-mixing layer: logits from one or more sources (V, D, R, Rfix,
// FD, FR), mixed by learned softmax-normalised weights, masked, one softmax over keys, then the
// value and output projections:
//   S = sum_i alpha_i S_i,  P = softmax(S + mask),  Y = merge_heads(P @ split_heads(X Wv + bv)) Wo
//   + bo
#include <memory>
#include <vector>

#include "synthgrad/nn/attention/config.h"
#include "synthgrad/nn/attention/logits.h"
#include "synthgrad/nn/dropout.h"
#include "synthgrad/nn/linear.h"
#include "synthgrad/nn/token_mixer.h"

namespace sg::nn {

class Attention : public TokenMixer {
 public:
  Attention(const AttentionConfig& config, Generator& init_gen,
            std::shared_ptr<Generator> dropout_gen);
  // x [B, L, d] with L <= max_length -> [B, L, d].
  Variable forward(const Variable& x, const AttentionMask& mask) override;
  // Position 0's output alone, [B, 1, d]: its [B, H, 1, L] row of logits is small, so the unfused
  // ops compute it. With keep_attention_weights on, taken from the whole forward (which keeps P).
  Variable forward_first(const Variable& x, const AttentionMask& mask) override;
  std::string type_name() const override { return "Attention"; }
  std::string settings() const override;
  const AttentionConfig& config() const { return config_; }

  // alpha = softmax(w): one weight per logit source, summing to one (just {1} for one source).
  Tensor mixing_weights() const;

  // When on, forward keeps the attention probabilities P [B, H, L, L] of its last call (before
  // attention dropout, so rows sum to one); it then runs unfused, as it must store them.
  void keep_attention_weights(bool keep) { keep_weights_ = keep; }
  // On by default: the softmax, mask, dropout and P @ V run as one fused op (autograd's
  // fused_attention) that never stores P. Off: each step is its own op, as in the formula; the
  // reference the fused path is tested against. Both draw the same dropout masks.
  void set_fused(bool fused) { fused_ = fused; }
  const Tensor& attention_weights() const { return last_weights_; }

  std::vector<std::shared_ptr<AttentionLogits>> sources;
  Variable mix;  // w [N]; undefined for a single source
  std::shared_ptr<Linear> value, output;

 private:
  // alpha = softmax(mix), undefined for a single source.
  Variable mixing_alpha() const;
  // sum_i alpha_i S_i over the sources (S_0 alone for a single one), leaving out the dot-product
  // source when asked (the fused path takes it as its projections); undefined if nothing is left.
  // The logits of the first `queries` positions.
  Variable mixed_logits(const Variable& x, const Variable& alpha, bool without_dot_product,
                        int64_t queries);
  void check_input(const Variable& x, const AttentionMask& mask) const;
  // The output of the first `queries` positions [B, queries, d], each step its own op.
  Variable forward_unfused(const Variable& x, const AttentionMask& mask, int64_t queries);
  Variable forward_fused(const Variable& x, const AttentionMask& mask);

  AttentionConfig config_;
  std::shared_ptr<Dropout> dropout_;
  bool keep_weights_ = false;
  bool fused_ = true;
  Tensor last_weights_;
};

// An additive f32 mask ([B or 1, 1, queries, L], -inf where attention is forbidden) for the first
// `queries` of L query positions, from padding and causality, or an undefined tensor when there is
// nothing to mask.
Tensor additive_attention_mask(const AttentionMask& mask, int64_t batch, int64_t length,
                               int64_t queries);

}  // namespace sg::nn
