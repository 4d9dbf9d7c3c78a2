#pragma once
// A batch (or pretrain's shuffle block) too large for the machine is a usage error, found before
// any data is read: lm and pretrain with --batch-size 100000000 otherwise ran until the kernel's
// out-of-memory killer ended them.
#include <fmt/core.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "examples/support/cli.h"
#include "synthgrad/models/config.h"

namespace sg::examples {

// A lower bound on the bytes one training step of `batch` sequences of `length` tokens keeps for
// its backward: per token and block, about a dozen activations of width dim and two of the FFN's
// width; the output layer is left out.
inline double step_activation_bytes(const models::ModelConfig& config, int64_t batch,
                                    int64_t length) {
  const double per_token =
      static_cast<double>(config.layers) *
          (12.0 * static_cast<double>(config.dim) + 2.0 * static_cast<double>(config.hidden())) +
      2.0 * static_cast<double>(config.dim);
  return 4.0 * static_cast<double>(batch) * static_cast<double>(length) * per_token;
}

// Throws a UsageError when `needed` bytes are more than the machine's memory: "`what` would keep
// at least N GiB of `kind`, more than this machine's M GiB of memory".
inline void check_fits_memory(double needed, const std::string& what, const char* kind) {
  const double physical =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  if (physical > 0 && needed > physical)
    throw UsageError(fmt::format(
        "{} would keep at least {:.1f} GiB of {}, more than this machine's {:.1f} GiB of memory",
        what, needed / kGiB, kind, physical / kGiB));
}

inline void check_batch_fits_memory(const models::ModelConfig& config, int64_t batch,
                                    int64_t length) {
  check_fits_memory(
      step_activation_bytes(config, batch, length),
      fmt::format("--batch-size {}: a step of {} sequences of {} tokens", batch, batch, length),
      "activations");
}

}  // namespace sg::examples
