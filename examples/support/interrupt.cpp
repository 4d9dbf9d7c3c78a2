#include "examples/support/interrupt.h"

#include <atomic>
#include <csignal>

namespace sg::examples {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  if (g_interrupted.exchange(true)) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt);
}
bool interrupted() {
  return g_interrupted.load();
}

}  // namespace sg::examples
