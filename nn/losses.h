#pragma once
// The losses models train with. cross_entropy and mse live in autograd/losses.h (one fused kernel,
// one composition); they are re-exported here beside the rest.
#include "synthgrad/autograd/losses.h"

namespace sg::nn {

using sg::cross_entropy;
using sg::mse;

// Mean of -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))] for logits x and targets t in [0, 1],
// computed as softplus(x) - t x, which never takes the log of a rounded-off probability.
Variable binary_cross_entropy_with_logits(const Variable& logits, const Variable& targets);

}  // namespace sg::nn
