#include "synthgrad/autograd/gradient_hook.h"

#include <utility>

namespace sg {

namespace {
thread_local GradientReadyHook g_hook;
}  // namespace

GradientReadyGuard::GradientReadyGuard(GradientReadyHook hook) : previous_(std::move(g_hook)) {
  g_hook = std::move(hook);
}

GradientReadyGuard::~GradientReadyGuard() {
  g_hook = std::move(previous_);
}

const GradientReadyHook& gradient_ready_hook() {
  return g_hook;
}

}  // namespace sg
