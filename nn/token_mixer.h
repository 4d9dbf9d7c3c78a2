#pragma once
// The interface every attention variant implements, so that a Transformer block takes any of them.
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
};

}  // namespace sg::nn
