#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "child_process.h"

int main(int argc, char** argv) {
  if (auto code = sg::testing::run_child_if_requested(argc, argv)) return *code;
  return doctest::Context(argc, argv).run();
}
