#include "synthgrad/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "synthgrad/core/error.h"

namespace sg {

namespace {

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Read, not set: umask() can only be queried by changing it, which races with other threads.
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Umask:", 0) == 0)
      return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  return 022;
}

// What went wrong, the OS's reason, and that the target kept its old content (or stayed absent).
[[noreturn]] void fail_errno(const char* what, const std::string& path) {
  fail("saving '{}': {}: {}; '{}' is left as it was", path, what, std::strerror(errno), path);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), target_(path_) {
  struct stat existing {};
  if (stat(path_.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode) &&
      !S_ISDIR(existing.st_mode)) {  // a folder is refused by the rename, which says why
    fd_ = open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) fail_errno("cannot open it for writing", path_);
    return;
  }
  if (lstat(path_.c_str(), &existing) == 0 && S_ISLNK(existing.st_mode)) {
    std::error_code error;
    target_ = std::filesystem::weakly_canonical(path_, error).string();
    SG_CHECK(!error, "saving '{}': cannot follow the link: {}", path_, error.message());
  }
  std::vector<char> name(target_.begin(), target_.end());
  const std::string suffix = ".tmp.XXXXXX";
  name.insert(name.end(), suffix.begin(), suffix.end());
  name.push_back('\0');
  fd_ = mkstemp(name.data());
  if (fd_ < 0) fail_errno("cannot create a temporary file beside it", path_);
  temp_path_ = name.data();
  // mkstemp creates the file private (0600); a saved file should get the usual permissions.
  fchmod(fd_, 0666 & ~current_umask());
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) close(fd_);
  if (!committed_ && !temp_path_.empty()) unlink(temp_path_.c_str());
}

void AtomicFile::write(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno("cannot write", path_);
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  const bool in_place = temp_path_.empty();
  // A pipe or a terminal has nothing to flush to disk (fsync fails with EINVAL).
  if (fsync(fd_) != 0 && !(in_place && errno == EINVAL))
    fail_errno("cannot flush the data to disk", path_);
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) fail_errno("cannot close the file", path_);
  if (!in_place && std::rename(temp_path_.c_str(), target_.c_str()) != 0)
    fail_errno("cannot rename the temporary file onto it", path_);
  committed_ = true;
  if (in_place) return;
  // The rename itself becomes durable once the folder is synced.
  const std::string folder = folder_of(target_);
  const int dir = open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  const bool synced = dir >= 0 && fsync(dir) == 0;
  const int sync_error = errno;
  if (dir >= 0) close(dir);
  SG_CHECK(synced, "saved '{}', but cannot sync its folder '{}' to disk: {}", path_, folder,
           std::strerror(sync_error));
}

}  // namespace sg
