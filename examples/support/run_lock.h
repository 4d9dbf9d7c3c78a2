#pragma once
// Keeps a second live run out of a run folder: an flock on <folder>/.lock, held while this object
// lives. The kernel releases it when the process ends, however it ends, so a run that died never
// blocks the next one.
#include <string>

namespace sg::examples {

class RunLock {
 public:
  // Throws a UsageError (exit status 2) naming the folder and the process of the live run that
  // holds it, and an sg::Error when the lock file cannot be made.
  explicit RunLock(const std::string& folder);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace sg::examples
