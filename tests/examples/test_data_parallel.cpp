// The programs' data-parallel helpers in one process: threads shared among a machine's ranks, and
// dropout streams that a single process leaves alone. (As several ranks they are tested end to end
// by tests/distributed/programs_data_parallel_test.sh.)
#include <doctest/doctest.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "examples/support/data_parallel.h"
#include "synthgrad/core/parallel.h"

using namespace sg;

namespace {

// Sets (or with nullopt unsets) an environment variable for the guard's lifetime.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value->c_str(), 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("set_threads: the cores are shared among the ranks on a machine unless told otherwise") {
  const int before = num_threads();
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  {
    const ScopedEnv no_setting("SG_NUM_THREADS", std::nullopt);
    const ScopedEnv two_ranks("OMPI_COMM_WORLD_LOCAL_SIZE", "2");
    examples::set_threads(0);
    CHECK(num_threads() == std::max(1, cores / 2));
    examples::set_threads(3);  // --threads wins
    CHECK(num_threads() == 3);
  }
  {
    const ScopedEnv setting("SG_NUM_THREADS", "1");
    const ScopedEnv two_ranks("OMPI_COMM_WORLD_LOCAL_SIZE", "2");
    set_num_threads(2);
    examples::set_threads(0);  // SG_NUM_THREADS, as set at start, is left as it is
    CHECK(num_threads() == 2);
  }
  set_num_threads(before);
}

TEST_CASE("set_threads: no more threads than the CPUs the process is bound to") {
  const int before = num_threads();
  cpu_set_t all;
  REQUIRE(sched_getaffinity(0, sizeof(all), &all) == 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &all)) {
      CPU_SET(cpu, &one);  // the first CPU allowed, as mpirun binds a rank to a core
      break;
    }
  REQUIRE(sched_setaffinity(0, sizeof(one), &one) == 0);
  {
    const ScopedEnv no_setting("SG_NUM_THREADS", std::nullopt);
    const ScopedEnv one_rank("OMPI_COMM_WORLD_LOCAL_SIZE", "1");
    examples::set_threads(0);
    CHECK(num_threads() == 1);
  }
  REQUIRE(sched_setaffinity(0, sizeof(all), &all) == 0);
  set_num_threads(before);
}

TEST_CASE("RankDropoutStream: one process draws its dropout from the shared generator itself") {
  Generator generator(5);
  Generator alone(5);
  {
    const examples::RankDropoutStream stream(generator);
    CHECK(generator.uniform() == alone.uniform());
  }
  CHECK(generator.state().seed == 5);
  CHECK(generator.state().counter == 1);
}
