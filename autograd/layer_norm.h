#pragma once
#include "synthgrad/autograd/variable.h"
#include "synthgrad/core/random.h"

namespace sg {

// Normalises over the last axis, then scales by gamma and shifts by beta ([D] each; either may be
// an undefined Variable). Forward and backward are single fused kernels (core/normalization.h).
Variable layer_norm(const Variable& x, const Variable& gamma, const Variable& beta,
                    float eps = 1e-5f);

// A pre-LayerNorm block's residual connection and the norm that reads it, as one op with two
// outputs: sum = add_dropout(residual, branch, p, training, gen) and norm = layer_norm(sum, gamma,
// beta, eps). One pass each way (core's add_layer_norm); the same mask and numbers as the
// composition, bit for bit. gen may be null when p = 0 or not training.
struct AddLayerNorm {
  Variable sum;
  Variable norm;
};
AddLayerNorm add_dropout_layer_norm(const Variable& residual, const Variable& branch,
                                    const Variable& gamma, const Variable& beta, float p,
                                    bool training, Generator* gen, float eps = 1e-5f);

}  // namespace sg
