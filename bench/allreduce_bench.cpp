// sg_bench allreduce, under `mpirun -np N`: latency and bandwidth of the gradient allreduce
// (Communicator::allreduce_sum) between the ranks, from 4 bytes to 64 MiB. Rank 0 prints.
#include <fmt/format.h>

#include <vector>

#include "bench/environment.h"
#include "bench/subcommands.h"
#include "bench/table.h"
#include "bench/timing.h"
#include "synthgrad/distributed/communicator.h"

namespace sg::bench {

int run_allreduce(const Options& options) {
  distributed::Communicator& world = distributed::Communicator::world();
  if (world.size() < 2) {
    fmt::print(stderr,
               "sg_bench allreduce: needs 2 or more ranks{}: mpirun -np 2 sg_bench allreduce\n",
               distributed::built_with_mpi() ? "" : " (and a build with MPI)");
    return 2;
  }
  if (world.is_root()) {
    print_environment();
    print_heading(fmt::format("allreduce_sum of floats between {} ranks", world.size()));
  }
  Table table({{"bytes"}, {"median us"}, {"min us"}, {"algorithm GB/s"}, {"bus GB/s"}});
  const int64_t largest = options.quick ? int64_t{1} << 16 : int64_t{1} << 24;
  const Repeats repeats{.warmup = 3, .runs = options.quick ? 5 : 21};
  for (int64_t floats = 1; floats <= largest; floats *= 16) {
    std::vector<float> buffer(static_cast<size_t>(floats), 1.0f);
    world.barrier();
    const Timing t = time_runs([&] { world.allreduce_sum(buffer.data(), floats); }, repeats);
    const double bytes = static_cast<double>(floats) * 4;
    // A ring allreduce moves 2 (N - 1) / N of the buffer through each link: the bus figure is
    // comparable across rank counts (NCCL's convention).
    const double ring = 2.0 * (world.size() - 1) / world.size();
    table.add_row({fmt::format("{}", floats * 4), fmt::format("{:.1f}", t.median_s * 1e6),
                   fmt::format("{:.1f}", t.min_s * 1e6),
                   fmt::format("{:.2f}", bytes / t.median_s / 1e9),
                   fmt::format("{:.2f}", ring * bytes / t.median_s / 1e9)});
  }
  if (world.is_root()) table.print();
  return 0;
}

}  // namespace sg::bench
