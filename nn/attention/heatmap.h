#pragma once
#include <string>

#include "synthgrad/core/tensor.h"

namespace sg::nn {

// Writes attention probabilities [H, L, L] (one example) as a binary PGM heat map: the heads side
// by side, one tile per head, each cell `scale` pixels wide, white = the tile's largest weight.
void write_attention_heatmap(const Tensor& probs, const std::string& path, int64_t scale = 4);

}  // namespace sg::nn
