// distributed/ as built on a machine without Open MPI (communicator.cpp compiled without
// SG_HAS_MPI, tests/CMakeLists.txt): a program that a launcher started as one of several processes
// stops with a message saying what is missing, rather than training alone as if it were the only
// one; started alone it is one rank.
#include <doctest/doctest.h>

#include <cstdlib>

#include "support/error_message.h"
#include "synthgrad/distributed/communicator.h"

using namespace sg;
using sg::distributed::Communicator;

TEST_CASE("distributed without MPI: a launch of several processes is refused, one process runs") {
  CHECK_FALSE(distributed::built_with_mpi());
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  CHECK(distributed::launched_processes() == 2);
  const std::string message = testing::error_message([] { Communicator::world(); });
  CHECK(message.find("one of 2 processes") != std::string::npos);
  CHECK(message.find("built without MPI") != std::string::npos);
  CHECK(message.find("libopenmpi-dev") != std::string::npos);
  unsetenv("OMPI_COMM_WORLD_SIZE");
  setenv("SLURM_STEP_NUM_TASKS", "4", 1);  // srun, whatever its MPI plugin
  CHECK(testing::error_message([] { Communicator::world(); }).find("one of 4 processes") !=
        std::string::npos);
  unsetenv("SLURM_STEP_NUM_TASKS");
  CHECK(distributed::launched_processes() == 1);
  Communicator& world = Communicator::world();  // a failed first use is retried
  CHECK(world.size() == 1);
  CHECK(world.rank() == 0);
}
