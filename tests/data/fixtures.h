#pragma once
// Helpers of the data tests: a fresh folder for the fixture files each test writes, and the message
// of an expected sg::Error.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "support/error_message.h"

namespace sg::testing {

struct TempFolder {
  std::filesystem::path path;
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg_data_XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempFolder() { std::filesystem::remove_all(path); }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  std::string file(const std::string& name) const { return (path / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }
};

}  // namespace sg::testing
