#pragma once
// A hook told, during backward(), as soon as a leaf's gradient is final for that pass: no node
// still to run feeds it. Data-parallel training starts averaging a group of gradients across
// processes the moment the last of them is final, while backward goes on with the rest.
#include <functional>

#include "synthgrad/autograd/variable.h"

namespace sg {

using GradientReadyHook = std::function<void(const Variable& leaf)>;

// Installs `hook` for the backward passes this thread runs while the guard lives (one at a time;
// the previous hook comes back when the guard dies). A leaf whose gradient is still undefined
// after the pass is not reported; one that kept an earlier pass's gradient is (it is final too).
class GradientReadyGuard {
 public:
  explicit GradientReadyGuard(GradientReadyHook hook);
  ~GradientReadyGuard();
  GradientReadyGuard(const GradientReadyGuard&) = delete;
  GradientReadyGuard& operator=(const GradientReadyGuard&) = delete;

 private:
  GradientReadyHook previous_;
};

// The hook in force on this thread, or an empty function.
const GradientReadyHook& gradient_ready_hook();

}  // namespace sg
