#include "child_process.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <stdexcept>

extern char** environ;

namespace sg::testing {

namespace {
std::map<std::string, ChildMain>& routines() {
  static std::map<std::string, ChildMain> instance;
  return instance;
}
}  // namespace

ChildRoutine::ChildRoutine(const char* name, ChildMain main) {
  routines()[name] = main;
}

int run_child(const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> words{"/proc/self/exe", "--child", name};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("run_child: posix_spawn failed");
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) throw std::runtime_error("run_child: waitpid failed");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> run_child_if_requested(int argc, char** argv) {
  if (argc < 3 || std::string(argv[1]) != "--child") return std::nullopt;
  auto it = routines().find(argv[2]);
  if (it == routines().end()) {
    std::fprintf(stderr, "no child routine named '%s'\n", argv[2]);
    return 2;
  }
  try {
    return it->second(std::vector<std::string>(argv + 3, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child routine '%s' failed: %s\n", argv[2], e.what());
    return 3;
  }
}

}  // namespace sg::testing
