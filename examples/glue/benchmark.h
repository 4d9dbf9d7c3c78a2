#pragma once
// glue benchmark: runs glue train for every task x attention variant x seed, each in its own run
// folder (a finished run is skipped, a stopped one resumed, so a stopped benchmark continues), then
// writes the results table as Markdown and CSV.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "examples/glue/train.h"

namespace sg::glue {

struct BenchmarkOptions {
  std::vector<std::string> tasks, variants;
  // "none", a checkpoint, or a pattern with {attention} for one pre-trained trunk per variant.
  std::string init_from = "none";
  int64_t seeds = 1;
  int64_t seeds_small = 0;  // for CoLA, MRPC, STS-B, RTE and WNLI; 0: as many as --seeds
  std::string data_root, out;
  TrainOptions train;  // the settings every run shares
};

void add_benchmark_options(CLI::App& cmd, BenchmarkOptions& o);
int benchmark(const BenchmarkOptions& options);

}  // namespace sg::glue
