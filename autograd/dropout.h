#pragma once
#include "synthgrad/autograd/variable.h"
#include "synthgrad/core/random.h"

namespace sg {

// Zeroes each element with probability p and scales the rest by 1 / (1 - p) (inverted dropout),
// drawing the mask from `gen`; the identity when not training or when p = 0.
Variable dropout(const Variable& x, float p, bool training, Generator& gen);

// dropout(gelu(x), p, training, *gen) as one op: one pass each way and no tensor between the two,
// with the same mask and the same numbers bit for bit. gen may be null when p = 0 or not training.
Variable gelu_dropout(const Variable& x, float p, bool training, Generator* gen);

// Whether an op with dropout p drops anything: not outside training nor at p = 0. Throws, naming
// `op`, when p is outside [0, 1) or when it drops without a generator; draws nothing.
bool drops(const char* op, float p, bool training, const Generator* gen);

// residual + dropout(x, p, training, *gen) as one op (a residual connection around a dropped-out
// branch): the same mask and gradients as the composition, the output within one rounding (a
// fused multiply-add); the two must have the same shape.
Variable add_dropout(const Variable& residual, const Variable& x, float p, bool training,
                     Generator* gen);

}  // namespace sg
