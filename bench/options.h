#pragma once
// Flags shared by every subcommand, so that `--threads 1` or `--quick` mean the same thing for
// `sg_bench core` as for any subcommand added later.
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sg::bench {

struct Options {
  bool help = false;
  bool quick = false;  // fewer repetitions and smaller sizes: a smoke test, not a measurement
  std::optional<int> threads;  // unset keeps the library's default (SG_NUM_THREADS or all cores)
  std::map<std::string, std::string> values;  // a subcommand's own `--name value` options

  // The value of `--name`, or `fallback` when it was not given.
  std::string value(const std::string& name, const std::string& fallback) const;
  // The value of `--name` as a whole number of at least 1, or `fallback` when it was not given;
  // throws UsageError naming the flag and the value when it is not such a number.
  int positive(const std::string& name, int fallback) const;
};

// A mistake on the command line: reported with the usage text and exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `text`, the value of `flag`, as a whole number of at least 1; throws UsageError naming both
// otherwise (a count of 0 or less would make a run that measures nothing).
int parse_positive(std::string_view flag, std::string_view text);

// Parses the arguments after the subcommand name. `value_options` are the subcommand's own options
// that take a value (e.g. "--variants"); anything else unknown throws UsageError.
Options parse_options(std::span<char* const> args,
                      std::span<const std::string_view> value_options = {});

}  // namespace sg::bench
