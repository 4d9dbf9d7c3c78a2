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

bool interrupted() {
  return g_signal.load() != 0;
}

int interrupt_exit_status() {
  const int signal = g_signal.load();
  return signal == 0 ? 0 : 128 + signal;
}

}  // namespace sg::examples
