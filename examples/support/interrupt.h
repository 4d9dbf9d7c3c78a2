#pragma once
// Ctrl-C (SIGINT) or a cluster's preemption (SIGTERM) during training: the first signal only raises
// a flag, so the loop can finish its step, save a checkpoint and exit cleanly; a second one ends
// the program at once.
namespace sg::examples {

void install_interrupt_handler();
bool interrupted();
// 128 + the signal that interrupted the run, the status a shell reports for it (130 for Ctrl-C,
// 143 for SIGTERM); 0 when none did.
int interrupt_exit_status();

}  // namespace sg::examples
