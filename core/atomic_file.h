#pragma once
// Writes a file so that readers see either the old content or the complete new content: data goes
// to a temporary file in the same folder, which is flushed, fsync'ed and renamed over the target.
// A failure, an exception or a crash before commit() leaves the target untouched.
#include <cstddef>
#include <string>

namespace sg {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t bytes);
  void commit();

 private:
  std::string path_, temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace sg
