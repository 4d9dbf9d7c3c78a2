#pragma once
// Ctrl-C (SIGINT), a cluster's preemption (SIGTERM) or SIGUSR1 during training: the first signal
// only raises a flag, so the loop can finish its step, save a checkpoint and exit cleanly; a second
// one ends the program at once. In a data-parallel run a signal to any rank stops them all at the
// same step.
#include "synthgrad/distributed/communicator.h"

namespace sg::examples {

// The handlers are installed for as long as an InterruptHandlers lives: a signal after the loop
// (during a program's final scoring, say) then ends the program as usual, instead of raising a
// flag that nothing reads any more.
struct InterruptHandlers {
  InterruptHandlers();
  ~InterruptHandlers();
  InterruptHandlers(const InterruptHandlers&) = delete;
  InterruptHandlers& operator=(const InterruptHandlers&) = delete;
};
// 128 + the signal that interrupted the run on any rank, the status a shell reports for it (130 for
// Ctrl-C, 143 for SIGTERM, 138 for SIGUSR1; when ranks saw several, the first of these); 0 when
// none did. A collective: every rank asks at the same point of every step, so that all agree on
// the step they stop after.
int agreed_interrupt_status(distributed::Communicator& world);

}  // namespace sg::examples
