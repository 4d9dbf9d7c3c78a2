#pragma once
// The model configurations of the training benchmark, shared with bench/torch_reference.py (which
// lists the same numbers), and how many FLOPs one of their training steps does.
#include <cstdint>
#include <string>
#include <vector>

#include "synthgrad/models/config.h"

namespace sg::bench {

struct TrainConfig {
  std::string name;
  bool language_model;
  int64_t vocab, dim, heads, layers, length, batch;
};

const std::vector<TrainConfig>& train_configs();
// By name; "long-2k@512" is long-2k at sequence length 512 (at most its own). Throws UsageError
// for unknown names and bad lengths.
TrainConfig train_config(const std::string& name);
models::ModelConfig model_config(const TrainConfig& config, const std::string& variant);

// Forward + backward FLOPs of one step (2 per multiply-add; the backward pass is counted as twice
// the forward's matrix products), summed layer by layer from the shapes of the products.
double flops_per_step(const TrainConfig& config, const std::string& variant);

}  // namespace sg::bench
