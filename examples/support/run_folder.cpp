#include "examples/support/run_folder.h"

#include <filesystem>

#include "core/error.h"

namespace sg::examples {

RunFolder make_run_folder(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  SG_CHECK(!error, "cannot create the run folder '{}': {}", path, error.message());
  return {path};
}

}  // namespace sg::examples
