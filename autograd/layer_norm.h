#pragma once
#include "synthgrad/autograd/variable.h"

namespace sg {

// Normalises over the last axis, then scales by gamma and shifts by beta ([D] each; either may be
// an undefined Variable). Forward and backward are single fused kernels (core/normalization.h).
Variable layer_norm(const Variable& x, const Variable& gamma, const Variable& beta,
                    float eps = 1e-5f);

}  // namespace sg
