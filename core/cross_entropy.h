#pragma once
// The fused softmax cross-entropy kernels: log-softmax and the negative log-likelihood in one pass
// over each row, so the [N, C] probabilities never exist twice.
#include <cstdint>

#include "synthgrad/core/tensor.h"

namespace sg {

struct CrossEntropyOptions {
  int64_t ignore_index = -100;   // rows with this target add nothing and are not counted
  float label_smoothing = 0.0f;  // target mass spread evenly over all C classes
};

struct CrossEntropyForward {
  float loss;        // mean over counted rows; 0 when every row is ignored
  int64_t count;     // rows counted
  Tensor log_probs;  // [N, C], kept for the backward pass
};

// logits [N, C] f32, targets [N] i32/i64 in [0, C) or ignore_index.
CrossEntropyForward cross_entropy_forward(const Tensor& logits, const Tensor& targets,
                                          const CrossEntropyOptions& options);

// d loss / d logits scaled by `grad` (the loss's own gradient): (softmax - target) * grad / count.
Tensor cross_entropy_backward(const CrossEntropyForward& forward, const Tensor& targets,
                              const CrossEntropyOptions& options, float grad);

}  // namespace sg
