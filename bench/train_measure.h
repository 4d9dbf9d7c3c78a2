#pragma once
#include <string>

#include "bench/train_configs.h"

namespace sg::bench {

// Times `steps` training steps (forward + backward + AdamW) of one configuration in this process
// and returns one JSON line: step seconds, parameters, peak resident memory, inference latency.
std::string measure_synthgrad(const TrainConfig& config, const std::string& variant, int steps);

}  // namespace sg::bench
