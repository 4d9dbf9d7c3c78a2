#include "examples/support/interrupt.h"

#include <atomic>
#include <csignal>

namespace sg::examples {

namespace {

std::atomic<int> g_signal{0};  // the first stop signal received, 0 before any
static_assert(std::atomic<int>::is_always_lock_free, "used in a signal handler");

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, signal)) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

int agreed_interrupt_status(distributed::Communicator& world) {
  const int signal = g_signal.load();
  double seen[2] = {signal == SIGINT ? 1.0 : 0.0, signal == SIGTERM ? 1.0 : 0.0};
  world.allreduce_sum(seen, 2);
  if (seen[0] > 0) return 128 + SIGINT;
  return seen[1] > 0 ? 128 + SIGTERM : 0;
}

}  // namespace sg::examples
