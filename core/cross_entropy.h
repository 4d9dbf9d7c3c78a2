#pragma once
// The fused softmax cross-entropy kernels: log-softmax and the negative log-likelihood in one pass
// over each row, so the [N, C] probabilities never exist twice.
#include <cstdint>
#include <vector>

#include "synthgrad/core/tensor.h"

namespace sg {

struct CrossEntropyOptions {
  int64_t ignore_index = -100;   // rows with this target add nothing and are not counted
  float label_smoothing = 0.0f;  // target mass spread evenly over all C classes
  // Empty, or one weight per class: a row counts as much as its target's weight, and the mean is
  // over the counted rows' weights; label smoothing weighs each class's share by that class's
  // weight (PyTorch's `weight`, exactly). Imbalanced tasks scored by MCC or F1 weigh the rare
  // class up, or the model learns to answer the common one.
  std::vector<float> class_weights;
};

struct CrossEntropyForward {
  // Weighted mean over counted rows; 0 when their targets weigh nothing, even where label
  // smoothing adds to the sum (PyTorch divides by 0 and gives NaN).
  float loss;
  double weight;     // the counted rows' weights (their number, without class weights)
  Tensor log_probs;  // [N, C], kept for the backward pass
};

// logits [N, C] f32, targets [N] i32/i64 in [0, C) or ignore_index.
CrossEntropyForward cross_entropy_forward(const Tensor& logits, const Tensor& targets,
                                          const CrossEntropyOptions& options);

// d loss / d logits scaled by `grad` (the loss's own gradient): without class weights
// (softmax - smoothed target) * grad / count; with them, the formula beside the kernel.
Tensor cross_entropy_backward(const CrossEntropyForward& forward, const Tensor& targets,
                              const CrossEntropyOptions& options, float grad);

}  // namespace sg
