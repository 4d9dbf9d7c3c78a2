#pragma once
// Entry points of the subcommands. Each lives in its own file and is listed once, in the table in
// bench_main.cpp; the thread count is already applied when one is called.
#include <span>
#include <string_view>

#include "bench/options.h"

namespace sg::bench {

int run_core(const Options& options);       // core_bench.cpp
int run_train(const Options& options);      // train_bench.cpp
int run_allreduce(const Options& options);  // allreduce_bench.cpp (under mpirun)
int run_softmax(const Options& options);    // softmax_bench.cpp

inline constexpr std::string_view kTrainOptionNames[] = {
    "--configs", "--variants", "--lengths", "--steps", "--rounds", "--python", "--one"};
inline constexpr std::span<const std::string_view> kTrainOptions{kTrainOptionNames};

}  // namespace sg::bench
