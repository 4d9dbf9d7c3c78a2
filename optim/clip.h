#pragma once
#include <vector>

#include "synthgrad/autograd/variable.h"

namespace sg::optim {

// Scales every gradient by max_norm / norm when the global L2 norm of all gradients exceeds
// max_norm. Returns the norm before clipping (summed in a fixed order: deterministic); a norm that
// is not finite is returned without touching the gradients, for the caller to skip the step.
double clip_grad_norm(const std::vector<Variable>& params, double max_norm);

}  // namespace sg::optim
