#include "fuzz_input.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sg::fuzz {

namespace {

struct ScratchFolder {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("sg-fuzz-" + std::to_string(getpid()));
  ScratchFolder() { std::filesystem::create_directories(path); }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

const std::string& scratch_folder() {
  static const ScratchFolder folder;
  static const std::string path = folder.path.string();
  return path;
}

std::string write_scratch_file(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_folder() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  FUZZ_CHECK(out.good());
  return path;
}

}  // namespace sg::fuzz
