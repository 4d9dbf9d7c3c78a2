#pragma once
// Writes a file so that readers see either the old content or the complete new content: data goes
// to a temporary file in the same folder, which is flushed, fsync'ed and renamed over the target.
// A failure, an exception or a crash before commit() leaves the target untouched. A symbolic link
// is written through: the file it points to gets the new content and the link stays. A target
// that is not a regular file (a device such as /dev/stdout, a pipe) cannot be replaced by a
// rename and is written in place, without that guarantee.
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
  std::string path_;       // as given, for messages
  std::string target_;     // the file replaced: path_ with symbolic links followed
  std::string temp_path_;  // empty when writing in place
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace sg
