#pragma once
// The command-line conventions every program shares: --help prints usage and exits 0; a bad flag or
// value, or a UsageError, prints one line and exits 2; an sg::Error (bad file, bad shape...) prints
// one line and exits 1. Nothing reaches the user as an uncaught exception. In a data-parallel run
// an error on one rank ends every rank (which would otherwise wait for it in their next step).
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "synthgrad/distributed/communicator.h"

namespace sg::examples {

// A request the program refuses as given (exit status 2) though every flag parsed, such as a fresh
// run into a folder that holds another run.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Readable checks: "--lr: -1 is not positive" rather than CLI11's range of doubles. Infinity and
// NaN pass no check: a run with --lr inf would otherwise train to a loss of inf and exit 0.
inline CLI::Validator number_check(const std::string& description,
                                   const std::function<std::string(double)>& complaint) {
  return CLI::Validator(
      [complaint](std::string& value) {
        try {
          const double x = std::stod(value);
          if (!std::isfinite(x)) return value + " is not a finite number";
          // CLI11 reads a whole number (in any base) past int64 as 2^63 - 1: --steps
          // 99999999999999999999 ran. Whole numbers are what strtoll reads to the end.
          char* end = nullptr;
          errno = 0;
          std::strtoll(value.c_str(), &end, 0);
          if (*end == '\0' && errno == ERANGE)
            return value + " is a whole number past 2^63 - 1 (write a larger float as 1e20)";
          const std::string problem = complaint(x);
          return problem.empty() ? problem : value + problem;
        } catch (const std::exception&) {
          return value + " is not a number";
        }
      },
      description);
}

inline CLI::Validator positive() {
  return number_check("> 0", [](double x) { return x > 0 ? "" : " is not positive"; });
}

inline CLI::Validator non_negative() {
  return number_check(">= 0", [](double x) { return x >= 0 ? "" : " is negative"; });
}

inline CLI::Validator within(double low, double high) {
  return number_check(fmt::format("in [{}, {}]", low, high), [=](double x) {
    return x >= low && x <= high ? std::string() : fmt::format(" is outside [{}, {}]", low, high);
  });
}

// A seed: digits only, at most 2^64 - 1 (CLI11 read "-1" and 10^23 as 2^64 - 1).
inline CLI::Validator seed_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const bool digits = !value.empty() && value.find_first_not_of("0123456789") == value.npos;
        errno = 0;
        if (digits) std::strtoull(value.c_str(), nullptr, 10);
        if (digits && errno != ERANGE) return "";
        return value + " is not a whole number in [0, 2^64 - 1]";
      },
      "in [0, 2^64 - 1]");
}

// A check of several flags together, run once the command line is parsed; it throws
// CLI::ValidationError, so the program exits 2 naming the flags. Any number per command (CLI11
// keeps one callback of each kind).
inline void add_parsed_check(CLI::App& cmd, std::function<void()> check) {
  static std::map<const CLI::App*, std::vector<std::function<void()>>> checks;
  std::vector<std::function<void()>>& list = checks[&cmd];
  if (list.empty())
    cmd.parse_complete_callback([&list] {
      for (const auto& run : list) run();
    });
  list.push_back(std::move(check));
}

inline int end_all_ranks_after_error(int status) {
  if (distributed::built_with_mpi() && distributed::launched_processes() > 1) {
    try {
      distributed::Communicator::world().abort(status);
    } catch (const std::exception&) {
      // MPI itself failed to start: there is no run to end.
    }
  }
  return status;
}

template <class Body>
int run_cli(CLI::App& app, int argc, char** argv, const Body& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: {} (see --help)\n", app.get_name(), e.what());
    return 2;
  }
  try {
    return body();
  } catch (const UsageError& e) {
    fmt::print(stderr, "{}: {}\n", app.get_name(), e.what());
    return end_all_ranks_after_error(2);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", app.get_name(), e.what());
    return end_all_ranks_after_error(1);
  }
}

}  // namespace sg::examples
