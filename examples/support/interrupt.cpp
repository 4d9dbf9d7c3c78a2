#include "examples/support/interrupt.h"

#include <atomic>
#include <csignal>

namespace sg::examples {

namespace {

// SIGUSR1 because mpirun passes it on to every rank at once, where its SIGINT reaches the ranks as
// a SIGTERM a second late and a SIGKILL a second after that; and Slurm can send it ahead of a time
// limit (sbatch --signal). In order of precedence when ranks saw different ones.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGUSR1};
constexpr int kStopSignalCount = sizeof(kStopSignals) / sizeof(kStopSignals[0]);

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

InterruptHandlers::InterruptHandlers() {
  for (const int signal : kStopSignals) std::signal(signal, on_stop_signal);
}

InterruptHandlers::~InterruptHandlers() {
  for (const int signal : kStopSignals) std::signal(signal, SIG_DFL);
}

int agreed_interrupt_status(distributed::Communicator& world) {
  const int received = g_signal.load();
  double seen[kStopSignalCount];  // the ranks that received each
  for (int i = 0; i < kStopSignalCount; ++i) seen[i] = received == kStopSignals[i] ? 1.0 : 0.0;
  world.allreduce_sum(seen, kStopSignalCount);
  for (int i = 0; i < kStopSignalCount; ++i)
    if (seen[i] > 0) return 128 + kStopSignals[i];
  return 0;
}

}  // namespace sg::examples
