#pragma once
// Attention as one differentiable op: softmax(scale * Q K^T + logits + mask), dropped out, times V,
// per head, with the probabilities recomputed in the backward instead of stored (core's
// fused_attention.h has the kernels). Gradients flow to query, key, value and logits.
#include "synthgrad/autograd/variable.h"
#include "synthgrad/core/random.h"

namespace sg {

struct FusedAttentionOptions {
  int64_t heads = 1;
  float scale = 1.0f;  // on Q K^T
  Tensor padding;      // b8 [B, L], 1 where the key is padding; or undefined
  bool causal = false;
  float dropout = 0.0f;            // on the probabilities; 0 outside training
  Generator* generator = nullptr;  // draws the dropout mask; needed when dropout > 0
};

// query, key [B, L, H * dk] (both undefined for no Q K^T term), value [B, L, H * dv], logits
// [B, H, L, L] or shared by the batch [1, H, L, L] / [H, L, L] (or undefined) -> [B, L, H * dv].
// The dropout mask is reserved as one [B, H, L, L] mask, exactly as dropout() on the unfused
// probabilities would: the same generator state gives the same mask either way.
Variable fused_attention(const Variable& query, const Variable& key, const Variable& value,
                         const Variable& logits, const FusedAttentionOptions& options);

}  // namespace sg
