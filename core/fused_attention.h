#pragma once
// Attention whose probabilities never reach memory, FlashAttention's scheme on the CPU: for each
// head, a block of queries meets the keys block by block; each block's logits are formed, masked,
// exponentiated against a running row maximum (the online softmax), dropped out and multiplied into
// the values while they are still in cache. Training stores no [B, H, L, L] tensor: the backward
// recomputes each block from the row log-sum-exps the forward keeps. Key blocks wholly above a
// causal diagonal are skipped.
//
//   S = scale * Q_h K_h^T + logits_h + mask,  P = softmax(S),  out_h = dropout(P) V_h
//
// Heads are read and written in place in the [B, L, H * d_head] layout of the projections, so
// splitting and merging heads copies nothing. Every output element is computed by one task in a
// fixed order: results are bit-identical for every thread count.
#include <cstdint>

#include "synthgrad/core/random.h"
#include "synthgrad/core/tensor.h"

namespace sg {

struct FusedAttentionInputs {
  Tensor query, key;  // f32 [B, L, H * dk] each, or both undefined: no Q K^T term
  Tensor value;       // f32 [B, L, H * dv]
  // f32 [B, H, L, L], or [1, H, L, L] / [H, L, L] shared by the batch (input-blind sources such as
  // Synthesizer's R), or undefined. At least one of logits and query/key is given.
  Tensor logits;
  Tensor padding;  // b8 [B, L], 1 where the key is padding; or undefined
  bool causal = false;
  int64_t heads = 1;
  float scale = 1.0f;     // on Q K^T
  DropoutMask dropout{};  // over the probabilities in [B, H, L, L] order; p = 0: none
};

struct FusedAttentionOutput {
  Tensor out;  // [B, L, H * dv]
  Tensor
      row_logsumexp;  // [B, H, L]: log of each softmax denominator, -inf when every key is masked
};

// Throws naming the operation and the shapes when the inputs do not fit together.
FusedAttentionOutput fused_attention(const FusedAttentionInputs& in);
// The same checks alone: callers that draw a dropout mask check before drawing.
void check_fused_attention_inputs(const FusedAttentionInputs& in);

struct FusedAttentionGrads {
  Tensor query, key, value;  // as the inputs; undefined where the input is
  Tensor logits;             // as given: summed over the batch for shared logits
};

// Which gradients to compute; the others are left undefined and their work skipped (a fixed
// logits buffer needs none, only dV; without the logits' gradient, shared logits no longer tie
// a head's examples into one task).
struct FusedAttentionNeeds {
  bool query_key = true, value = true, logits = true;
};

// The gradients for grad_out [B, L, H * dv], from the forward's output and log-sum-exps.
FusedAttentionGrads fused_attention_backward(const FusedAttentionInputs& in,
                                             const FusedAttentionOutput& forward,
                                             const Tensor& grad_out,
                                             const FusedAttentionNeeds& needs = {});

}  // namespace sg
