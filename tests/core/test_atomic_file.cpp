#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/temp_folder.h"
#include "synthgrad/core/atomic_file.h"
#include "synthgrad/core/error.h"

using namespace sg;
namespace fs = std::filesystem;

namespace {

// The folder's entries: a temporary file left behind shows up here.
size_t entries(const testing::TempFolder& folder) {
  return static_cast<size_t>(
      std::distance(fs::directory_iterator(folder.path), fs::directory_iterator()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void save_text(const std::string& path, const std::string& text, bool commit) {
  AtomicFile file(path);
  file.write(text.data(), text.size());
  if (commit) file.commit();
}

}  // namespace

TEST_CASE("an atomic file replaces the old content only on commit and leaves no temporary file") {
  testing::TempFolder folder;
  const std::string path = folder.file("state.txt");
  save_text(path, "old", true);
  save_text(path, "abandoned", false);
  CHECK(read_file(path) == "old");
  save_text(path, "new content", true);
  CHECK(read_file(path) == "new content");
  CHECK(entries(folder) == 1);
}

TEST_CASE("an atomic file that cannot be renamed into place names it and the OS error") {
  testing::TempFolder folder;
  const std::string path = folder.file("taken");
  fs::create_directories(path + "/inside");  // a non-empty folder: no file can replace it
  try {
    save_text(path, "x", true);
    FAIL("commit onto a folder did not throw");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find("'" + path + "'") != std::string::npos);
    CHECK(message.find(std::strerror(EISDIR)) != std::string::npos);
    CHECK(message.find("is left as it was") != std::string::npos);
  }
  CHECK(fs::is_directory(path + "/inside"));
  CHECK(entries(folder) == 1);
}

TEST_CASE("an atomic file in a folder that does not exist names the file") {
  testing::TempFolder folder;
  const std::string path = folder.file("missing/state.txt");
  const std::string quoted = "'" + path + "'";
  CHECK_THROWS_WITH_AS(AtomicFile{path}, doctest::Contains(quoted.c_str()), Error);
}

TEST_CASE("an atomic file writes through a symbolic link, and into a pipe in place") {
  testing::TempFolder folder;
  const std::string target = folder.file("target.txt"), link = folder.file("link.txt");
  save_text(target, "old", true);
  fs::create_symlink(target, link);
  save_text(link, "new", true);
  CHECK(fs::is_symlink(link));
  CHECK(read_file(target) == "new");
  CHECK(entries(folder) == 2);
  // A pipe cannot be renamed over: the data goes into it.
  const std::string pipe = folder.file("pipe");
  REQUIRE(mkfifo(pipe.c_str(), 0600) == 0);
  const int reader = open(pipe.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  save_text(pipe, "through", true);
  char buffer[16] = {};
  CHECK(read(reader, buffer, sizeof buffer) == 7);
  close(reader);
  CHECK(std::string(buffer) == "through");
  CHECK(fs::is_fifo(pipe));
}
