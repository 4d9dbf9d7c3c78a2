#pragma once
// Parameter initialisers. Each draws from an explicit Generator, so a model built from one seed
// is the same on every machine.
#include "synthgrad/core/random.h"
#include "synthgrad/core/tensor.h"

namespace sg::nn {

enum class Init {
  normal_002,       // normal(0, 0.02): GPT-2 / BERT style, the default of Linear and Embedding
  xavier_uniform,   // U(-a, a), a = sqrt(6 / (fan_in + fan_out))
  kaiming_uniform,  // U(-a, a), a = sqrt(6 / fan_in) (for ReLU networks)
};

// A weight of `shape`; fan_in is shape[-1] and fan_out shape[0] for a [out, in] matrix.
Tensor init_weight(const Shape& shape, Init init, Generator& gen);
Tensor normal(const Shape& shape, float stddev, Generator& gen);
Tensor xavier_uniform(const Shape& shape, Generator& gen);
Tensor kaiming_uniform(const Shape& shape, Generator& gen);

}  // namespace sg::nn
