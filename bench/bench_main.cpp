// sg_bench SUBCOMMAND [options]: dispatches to one benchmark per subcommand.
#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <span>
#include <string_view>

#include "bench/options.h"
#include "bench/subcommands.h"
#include "synthgrad/core/parallel.h"

namespace {

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  int (*run)(const sg::bench::Options&);
  std::span<const std::string_view> value_options;
};

const Subcommand kSubcommands[] = {
    {"core",
     "sgemm GFLOP/s and the memory bandwidth of the element-wise kernels",
     sg::bench::run_core,
     {}},
    {"train", "training steps against PyTorch: time, tokens/s, GFLOP/s, memory",
     sg::bench::run_train, sg::bench::kTrainOptions},
    {"allreduce",
     "gradient allreduce latency and bandwidth between MPI ranks (mpirun -np N)",
     sg::bench::run_allreduce,
     {}},
    {"softmax",
     "a word-level causal LM's training step with one softmax and with a clustered one",
     sg::bench::run_softmax,
     {}},
};

constexpr int kUsageStatus = 2;

void print_usage(std::FILE* out) {
  fmt::print(out, "usage: sg_bench SUBCOMMAND [--threads N] [--quick] [options]\n\nsubcommands:\n");
  for (const Subcommand& s : kSubcommands) fmt::print(out, "  {:<10}{}\n", s.name, s.summary);
  fmt::print(
      out,
      "\noptions:\n"
      "  --threads N  run with N threads (default: SG_NUM_THREADS, else every core)\n"
      "  --quick      few repetitions on small sizes, to check that everything runs\n"
      "  --help       show this text\n"
      "\ntrain options:\n"
      "  --configs LIST   cls-small,lm-char,long,long-2k (default: the first three);\n"
      "                   NAME@L runs NAME at sequence length L\n"
      "  --variants LIST  e.g. V,R+V (default: V,R,Rfix,FR,D,FD,R+V,D+V)\n"
      "  --lengths LIST   every configuration at each of these lengths, e.g.\n"
      "                   --configs long-2k --lengths 256,512,1024,2048\n"
      "  --steps N        timed steps per measurement (default 8)\n"
      "  --rounds N       alternating synthgrad / PyTorch rounds (default 3)\n"
      "  --python PATH    a python3 with torch (default /usr/bin/python3); 'none' skips PyTorch\n"
      "  --one C:V        one synthgrad measurement (configuration C, variant V) in this\n"
      "                   process, printed as a JSON line; data-parallel under mpirun\n");
}

const Subcommand* find_subcommand(std::string_view name) {
  for (const Subcommand& s : kSubcommands)
    if (s.name == name) return &s;
  return nullptr;
}

int run(const Subcommand& subcommand, std::span<char* const> args) {
  const sg::bench::Options options = sg::bench::parse_options(args, subcommand.value_options);
  if (options.help) {
    print_usage(stdout);
    return 0;
  }
  if (options.threads) sg::set_num_threads(*options.threads);
  return subcommand.run(options);
}

}  // namespace

int main(int argc, char** argv) {
  const std::span<char* const> args(argv + 1, static_cast<size_t>(argc - 1));
  if (args.empty()) {
    print_usage(stderr);
    return kUsageStatus;
  }
  const std::string_view name = args[0];
  if (name == "--help" || name == "-h") {
    print_usage(stdout);
    return 0;
  }
  const Subcommand* subcommand = find_subcommand(name);
  if (subcommand == nullptr) {
    fmt::print(stderr, "sg_bench: unknown subcommand '{}'; see sg_bench --help\n", name);
    return kUsageStatus;
  }
  try {
    return run(*subcommand, args.subspan(1));
  } catch (const sg::bench::UsageError& e) {
    fmt::print(stderr, "sg_bench {}: {}; see sg_bench --help\n", name, e.what());
    return kUsageStatus;
  } catch (const std::exception& e) {
    fmt::print(stderr, "sg_bench {}: {}\n", name, e.what());
    return 1;
  }
}
