#pragma once
#include "synthgrad/autograd/variable.h"
#include "synthgrad/core/random.h"

namespace sg {

// Zeroes each element with probability p and scales the rest by 1 / (1 - p) (inverted dropout),
// drawing the mask from `gen`; the identity when not training or when p = 0.
Variable dropout(const Variable& x, float p, bool training, Generator& gen);

}  // namespace sg
