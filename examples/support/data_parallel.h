#pragma once
// What every training program does alike when it runs data-parallel under mpirun or srun, beside
// the loop's part (training_loop.h): threads that leave each rank its own cores, one tokenizer for
// all ranks, and each rank's own dropout.
#include <cstdint>
#include <functional>
#include <memory>

#include "examples/support/run_folder.h"
#include "synthgrad/core/random.h"
#include "synthgrad/data/tokenizer.h"

namespace sg::examples {

// --threads: n > 0 as given. 0: SG_NUM_THREADS when set, else the CPUs this process may run on
// (its affinity: mpirun binds each of 2 ranks to a core, srun may bind too), and no more than the
// machine's hardware threads divided among the ranks Open MPI, MPICH or srun started on it, so
// that the ranks' thread pools do not fight over cores.
void set_threads(int64_t threads);

// The run's tokenizer: rank 0 makes it (`make`: learns or loads it) and, with `save`, writes it to
// the run folder; the other ranks load what it wrote. So all ranks hold one tokenizer without
// trusting N runs of a learner to agree, and the others spend no time learning it.
std::unique_ptr<data::Tokenizer> tokenizer_of_rank_0(
    const RunFolder& run, bool save, const std::function<std::unique_ptr<data::Tokenizer>()>& make);

// For one forward pass, this rank's own dropout stream, drawn from the run's shared generator and
// the rank, so that the ranks drop different units of their different examples. Afterwards the
// shared generator is one draw further on and the same on every rank, so that rank 0's checkpoint
// holds the streams of all. In one process it changes nothing.
class RankDropoutStream {
 public:
  explicit RankDropoutStream(Generator& generator);
  ~RankDropoutStream();
  RankDropoutStream(const RankDropoutStream&) = delete;
  RankDropoutStream& operator=(const RankDropoutStream&) = delete;

 private:
  Generator& generator_;
  GeneratorState shared_;
  bool ranks_;  // whether there are several
};

}  // namespace sg::examples
