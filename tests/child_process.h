#pragma once
// Lets a test run code in a new process of the same test executable: register a routine with
// SG_CHILD_ROUTINE, then run_child("name", args) starts `<this exe> --child name args...` and
// returns its exit code. Used where a fresh process is the point (resume after a restart) or a
// process must die (an interrupted save).
#include <optional>
#include <string>
#include <vector>

namespace sg::testing {

using ChildMain = int (*)(const std::vector<std::string>& args);

struct ChildRoutine {
  ChildRoutine(const char* name, ChildMain main);
};

// The exit code of the child, or 128 + the signal that killed it.
int run_child(const std::string& name, const std::vector<std::string>& args);

// In main(): the routine's exit code when started with --child, nothing otherwise.
std::optional<int> run_child_if_requested(int argc, char** argv);

}  // namespace sg::testing

#define SG_CHILD_ROUTINE_NAME2(line) sg_child_routine_##line
#define SG_CHILD_ROUTINE_NAME(line) SG_CHILD_ROUTINE_NAME2(line)
#define SG_CHILD_ROUTINE(name, function) \
  static const ::sg::testing::ChildRoutine SG_CHILD_ROUTINE_NAME(__LINE__)(name, function)
