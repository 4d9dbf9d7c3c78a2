#include "synthgrad/data/files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "synthgrad/core/atomic_file.h"
#include "synthgrad/core/error.h"

namespace sg::data {

std::string read_text_file(const std::string& path, std::string_view who) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot read '{}': {}", who, path, std::strerror(errno));
  // A folder opens and reads as no bytes, which would pass for an empty or damaged file.
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    fail("{}: cannot read '{}': it is a folder", who, path);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) fail("{}: cannot read '{}': read error", who, path);
  return std::move(content).str();
}

void write_text_file(const std::string& path, std::string_view content) {
  AtomicFile file(path);
  file.write(content.data(), content.size());
  file.commit();
}

}  // namespace sg::data
