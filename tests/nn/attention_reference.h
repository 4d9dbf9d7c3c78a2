#pragma once
// An independent implementation of the attention family in plain double-precision loops, written
// from the formulas of ../shared/design/synthesizer.md and sharing no code with nn/attention.
#include <map>
#include <string>
#include <vector>

#include "synthgrad/nn/attention/config.h"

namespace sg::testing {

struct ReferenceAttention {
  nn::AttentionConfig config;
  std::map<std::string, std::vector<double>> params;  // by the layer's parameter / buffer names

  // x [B, L, d] flattened; padding [B, L] (1 = pad), may be empty. Returns y [B, L, d]. A query
  // that sees no key (all padded or in its future) gets zero weights, so its output is the output
  // bias: the rule of docs/attention.md, section 7.
  std::vector<double> forward(const std::vector<double>& x, int64_t batch, int64_t length,
                              const std::vector<int>& padding, bool causal) const;
};

}  // namespace sg::testing
