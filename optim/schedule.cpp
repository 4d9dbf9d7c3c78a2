#include "synthgrad/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "synthgrad/core/error.h"

namespace sg::optim {

float Schedule::lr_at(int64_t step) const {
  SG_CHECK(step >= 0, "Schedule: step {} is negative", step);
  SG_CHECK(warmup_steps >= 0 && (decay == Decay::constant || total_steps > warmup_steps),
           "Schedule: warm-up {} must be below the total {} steps", warmup_steps, total_steps);
  SG_CHECK(std::isfinite(base_lr) && base_lr >= 0.0f,
           "Schedule: base_lr {} must be finite and >= 0", base_lr);
  // A min_lr above base_lr would make the decay raise the rate.
  SG_CHECK(decay == Decay::constant || (min_lr >= 0.0f && min_lr <= base_lr),
           "Schedule: min_lr {} must lie in [0, base_lr {}]", min_lr, base_lr);
  if (step < warmup_steps)
    return base_lr * static_cast<float>(step + 1) / static_cast<float>(warmup_steps);
  if (decay == Decay::constant) return base_lr;
  const double progress = std::min(1.0, static_cast<double>(step - warmup_steps) /
                                            static_cast<double>(total_steps - warmup_steps));
  const double factor =
      decay == Decay::linear ? 1.0 - progress : 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return static_cast<float>(min_lr + (base_lr - min_lr) * factor);
}

}  // namespace sg::optim
