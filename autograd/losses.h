#pragma once
#include "synthgrad/autograd/variable.h"
#include "synthgrad/core/cross_entropy.h"

namespace sg {

// Mean cross-entropy of logits [..., C] against integer targets [...], fused with log-softmax.
// Targets equal to options.ignore_index are skipped (and not counted in the mean).
Variable cross_entropy(const Variable& logits, const Tensor& targets,
                       const CrossEntropyOptions& options = {});

// Mean squared error, composed from differentiable primitives.
Variable mse(const Variable& prediction, const Variable& target);

}  // namespace sg
