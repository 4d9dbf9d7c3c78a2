#pragma once
// What every training program does alike when it runs data-parallel under mpirun or srun, beside
// the loop's part (training_loop.h): threads that leave each rank its own cores, and each rank's
// own dropout.
#include <cstdint>

#include "synthgrad/core/random.h"

namespace sg::examples {

// --threads: n > 0 as given. 0: SG_NUM_THREADS when set, else the machine's hardware threads
// divided among the ranks Open MPI or MPICH started on it, so that their thread pools do not fight
// over the cores.
void set_threads(int64_t threads);

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
