#pragma once
// Ctrl-C during training: the first SIGINT only raises a flag, so the loop can finish its step,
// save a checkpoint and exit cleanly; a second one ends the program at once.
namespace sg::examples {

void install_interrupt_handler();
bool interrupted();

}  // namespace sg::examples
