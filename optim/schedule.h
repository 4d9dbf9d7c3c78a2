#pragma once
#include <cstdint>

namespace sg::optim {

enum class Decay { constant, linear, cosine };

// Learning rate at a 0-based step: linear warm-up from base_lr / warmup_steps to base_lr over the
// first warmup_steps steps, then `decay` from base_lr down to min_lr at total_steps (and min_lr
// after that).
struct Schedule {
  float base_lr = 1e-3f;
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;
  Decay decay = Decay::constant;
  float min_lr = 0.0f;

  float lr_at(int64_t step) const;
};

}  // namespace sg::optim
