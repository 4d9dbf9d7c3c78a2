#include "examples/support/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "examples/support/cli.h"
#include "synthgrad/core/error.h"

namespace sg::examples {

namespace {

// The process id the holder wrote, for the message ("?" if it has not written it yet).
std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t n = pread(fd, text, sizeof text - 1, 0);
  return n > 0 ? std::string(text, static_cast<size_t>(n)) : "?";
}

}  // namespace

RunLock::RunLock(const std::string& folder) {
  const std::string path = folder + "/.lock";
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  SG_CHECK(fd_ >= 0, "cannot create the lock file '{}': {}", path, std::strerror(errno));
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string holder = error == EWOULDBLOCK ? holder_of(fd_) : "";
    close(fd_);
    SG_CHECK(error == EWOULDBLOCK, "cannot lock '{}': {}", path, std::strerror(error));
    throw UsageError(fmt::format(
        "'{}' is in use by a run that is still going (process {}): wait for it to end or choose "
        "another --out",
        folder, holder));
  }
  const std::string pid = std::to_string(getpid());
  // Only for the message above: the lock itself is the flock, so a failed write changes nothing.
  [[maybe_unused]] const bool written =
      ftruncate(fd_, 0) == 0 && pwrite(fd_, pid.data(), pid.size(), 0) == std::ssize(pid);
}

RunLock::~RunLock() {
  close(fd_);  // releases the flock
}

}  // namespace sg::examples
