#include "examples/support/data_parallel.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "synthgrad/core/parallel.h"
#include "synthgrad/distributed/communicator.h"

namespace sg::examples {

namespace {

// The ranks the launcher started on this machine (Open MPI's and MPICH's names), or 1.
int ranks_on_this_machine() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"})
    if (const char* value = std::getenv(name)) return std::max(1, std::atoi(value));
  return 1;
}

}  // namespace

void set_threads(int64_t threads) {
  if (threads > 0) {
    set_num_threads(static_cast<int>(threads));
  } else if (std::getenv("SG_NUM_THREADS") == nullptr && ranks_on_this_machine() > 1) {
    const auto cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    set_num_threads(std::max(1, cores / ranks_on_this_machine()));
  }
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
