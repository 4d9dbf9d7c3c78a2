#pragma once
// The interface every attention variant implements, so that a Transformer block takes any of them.
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/tensor.h"
#include "synthgrad/nn/module.h"

namespace sg::nn {

struct AttentionMask {
  Tensor padding;       // b8 [B, L], 1 where a key position is padding (gets no weight); optional
  bool causal = false;  // position t never sees t+1..
};

class TokenMixer : public Module {
 public:
  // x [B, L, d] -> [B, L, d]
  virtual Variable forward(const Variable& x, const AttentionMask& mask) = 0;
  // Position 0 of forward's output alone, [B, 1, d], for a caller that reads no other position;
  // mixers with a cheaper way to it override this.
  virtual Variable forward_first(const Variable& x, const AttentionMask& mask) {
    return narrow(forward(x, mask), 1, 0, 1);
  }
};

}  // namespace sg::nn
