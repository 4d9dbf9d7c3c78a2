#include "examples/support/data_parallel.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "synthgrad/core/parallel.h"
#include "synthgrad/data/tokenizer.h"
#include "synthgrad/distributed/communicator.h"

namespace sg::examples {

namespace {

// The ranks the launcher started on this machine (Open MPI's, MPICH's and Slurm's names; Slurm's
// reads "2(x3)" as 2), or 1.
int ranks_on_this_machine() {
  for (const char* name :
       {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_STEP_TASKS_PER_NODE"})
    if (const char* value = std::getenv(name)) return std::max(1, std::atoi(value));
  return 1;
}

int cpus_this_process_may_use(int hardware) {
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) return hardware;
  return std::max(1, CPU_COUNT(&mask));
}

}  // namespace

void set_threads(int64_t threads) {
  if (threads > 0) {
    set_num_threads(static_cast<int>(threads));
  } else if (std::getenv("SG_NUM_THREADS") == nullptr) {
    const auto hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    set_num_threads(std::min(cpus_this_process_may_use(hardware),
                             std::max(1, hardware / ranks_on_this_machine())));
  }
}

std::unique_ptr<data::Tokenizer> tokenizer_of_rank_0(
    const RunFolder& run, bool save,
    const std::function<std::unique_ptr<data::Tokenizer>()>& make) {
  distributed::Communicator& world = distributed::Communicator::world();
  if (!world.is_root()) {
    world.barrier();
    return data::load_tokenizer(run.tokenizer());
  }
  std::unique_ptr<data::Tokenizer> tokenizer = make();
  if (save) tokenizer->save(run.tokenizer());
  world.barrier();
  return tokenizer;
}

RankDropoutStream::RankDropoutStream(Generator& generator)
    : generator_(generator),
      shared_(generator.state()),
      ranks_(distributed::Communicator::world().size() > 1) {
  if (!ranks_) return;
  const uint64_t step_seed = Generator(shared_.seed).bits_at(shared_.counter);
  const auto rank = static_cast<uint64_t>(distributed::Communicator::world().rank());
  generator_.set_state({Generator(step_seed).bits_at(rank), 0});
}

RankDropoutStream::~RankDropoutStream() {
  if (ranks_) generator_.set_state({shared_.seed, shared_.counter + 1});
}

}  // namespace sg::examples
