#pragma once
// Flags shared by every subcommand, so that `--threads 1` or `--quick` mean the same thing for
// `sg_bench core` as for any subcommand added later.
#include <optional>
#include <span>
#include <stdexcept>

namespace sg::bench {

struct Options {
  bool help = false;
  bool quick = false;  // fewer repetitions and smaller sizes: a smoke test, not a measurement
  std::optional<int> threads;  // unset keeps the library's default (SG_NUM_THREADS or all cores)
};

// A mistake on the command line: reported with the usage text and exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses the arguments after the subcommand name; throws UsageError on anything unknown.
Options parse_options(std::span<char* const> args);

}  // namespace sg::bench
