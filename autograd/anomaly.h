#pragma once
// Helpers behind anomaly mode (grad_mode.h): where a node was created, and the finiteness check.
#include <string>

#include "synthgrad/core/tensor.h"

namespace sg {

// The caller's stack, demangled, one frame a line, outside the autograd library's own frames.
std::string capture_call_stack();

// Throws when `t` holds a NaN or Inf: "<phase> of op '<op>' produced NaN ...", plus `created_at`.
void check_finite(const Tensor& t, const char* phase, const std::string& op,
                  const std::string& created_at);

}  // namespace sg
