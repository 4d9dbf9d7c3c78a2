#pragma once
// Entry points of the subcommands. Each lives in its own file and is listed once, in the table in
// bench_main.cpp; the thread count is already applied when one is called.
#include "bench/options.h"

namespace sg::bench {

int run_core(const Options& options);  // core_bench.cpp

}  // namespace sg::bench
