#pragma once
// The command-line conventions every program shares: --help prints usage and exits 0; a bad flag or
// value, or a UsageError, prints one line and exits 2; an sg::Error (bad file, bad shape...) prints
// one line and exits 1. Nothing reaches the user as an uncaught exception. In a data-parallel run
// an error on one rank ends every rank (which would otherwise wait for it in their next step).
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <exception>
#include <stdexcept>
#include <string>

#include "synthgrad/distributed/communicator.h"

namespace sg::examples {

// A request the program refuses as given (exit status 2) though every flag parsed, such as a fresh
// run into a folder that holds another run.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Readable checks: "--lr: -1 is not positive" rather than CLI11's range of doubles.
inline CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& value) {
        try {
          return std::stod(value) > 0 ? std::string() : value + " is not positive";
        } catch (const std::exception&) {
          return value + " is not a number";
        }
      },
      "> 0");
}

inline CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& value) {
        try {
          return std::stod(value) >= 0 ? std::string() : value + " is negative";
        } catch (const std::exception&) {
          return value + " is not a number";
        }
      },
      ">= 0");
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
