// distributed/ in a process that no launcher started: one rank, collectives that change nothing,
// and the averager's buckets.
#include <doctest/doctest.h>

#include <cstdlib>
#include <limits>

#include "child_process.h"
#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/distributed/distributed.h"

using namespace sg;
using namespace sg::distributed;

namespace {

// world() in a fresh process, since the first call decides for the process: 0 when it ran as one
// rank, 3 when it refused saying what to do (use srun's MPI plugin; or, in a build without MPI,
// install it).
int first_world(const std::vector<std::string>&) {
  try {
    return Communicator::world().size() == 1 ? 0 : 1;
  } catch (const Error& e) {
    const std::string message = e.what();
    const bool says =
        message.find(built_with_mpi() ? "srun --mpi=pmix" : "libopenmpi-dev") != std::string::npos;
    return says ? 3 : 2;
  }
}
SG_CHILD_ROUTINE("first_world", first_world);

std::vector<Variable> parameters_of_sizes(const std::vector<int64_t>& sizes) {
  std::vector<Variable> out;
  for (int64_t n : sizes) out.emplace_back(full({n}, 1.0f), true);
  return out;
}

}  // namespace

TEST_CASE("distributed: without a launcher the run is one rank and collectives change nothing") {
  Communicator& world = Communicator::world();
  CHECK(world.rank() == 0);
  CHECK(world.size() == 1);
  CHECK(world.is_root());
  std::vector<float> values = {1.5f, -2.0f};
  world.allreduce_sum(values.data(), 2);
  CHECK(values == std::vector<float>{1.5f, -2.0f});
  CHECK(world.allreduce_sum(3.25) == 3.25);
  Tensor t = from_vector<float>({4, 5});
  world.broadcast(t);
  CHECK(t.to_vector<float>() == std::vector<float>{4, 5});
  CHECK(testing::error_message([&] { world.broadcast(t, 1); }).find("root 1 for 1 ranks") !=
        std::string::npos);
}

TEST_CASE("distributed: broadcast names the tensor it refuses, with one rank as with several") {
  // It said only "the tensor must be contiguous", and took any dtype as long as there was one rank.
  Communicator& world = Communicator::world();
  Tensor transposed = zeros({2, 3}).transpose(0, 1);
  CHECK(testing::error_message([&] { world.broadcast(transposed); }) ==
        "broadcast: the tensor (f32 [3, 2]) must be contiguous");
  Tensor ints = zeros({2}, DType::i32);
  CHECK(testing::error_message([&] { world.broadcast(ints); }) ==
        "broadcast: the tensor (i32 [2]) must be f32 or i64");
  Variable p(zeros({2}), true), q(zeros({2, 3}), true);
  q.set_data(zeros({3, 2}).transpose(0, 1));
  CHECK(testing::error_message([&] {
          broadcast_parameters(world, {p, q});
        }) == "broadcast_parameters: parameter 1 (f32 [2, 3]) must be contiguous");
}

TEST_CASE("distributed: buckets hold about bucket_bytes, parameters in reverse order") {
  Communicator& world = Communicator::world();
  // 4-byte floats: 100 + 100 fit in 1000 bytes, the third does not; 300 alone is over budget.
  const auto params = parameters_of_sizes({100, 300, 100, 100});
  CHECK(GradientAverager(world, params, {.bucket_bytes = 1000}).bucket_count() == 3);
  CHECK(GradientAverager(world, params, {.bucket_bytes = 1 << 20}).bucket_count() == 1);
  CHECK(GradientAverager(world, params, {.bucket_bytes = 1}).bucket_count() == 4);
  // The gradients, and a has-a-gradient flag per parameter.
  CHECK(GradientAverager(world, params, {}).bytes_per_step() == (600 + 4) * 4);
  CHECK(testing::error_message([&] {
          GradientAverager(world, params, {.bucket_bytes = 0});
        }).find("bucket_bytes must be positive") != std::string::npos);
}

TEST_CASE("distributed: frozen parameters are not averaged, so they never hold a bucket back") {
  Communicator& world = Communicator::world();
  auto params = parameters_of_sizes({100, 300, 100});
  params[1].set_requires_grad(false);
  const GradientAverager averager(world, params, {.bucket_bytes = 1000});
  CHECK(averager.bucket_count() == 1);
  CHECK(averager.bytes_per_step() == (200 + 2) * 4);
}

TEST_CASE(
    "distributed: a parameter unfrozen after the averager was built is refused, not ignored") {
  // Left out of every bucket, its gradient stayed each rank's own: the ranks' copies of the model
  // drifted apart without a word. Refused with one rank too, where the program is tried first.
  Communicator& world = Communicator::world();
  auto params = parameters_of_sizes({3, 2});
  params[0].set_requires_grad(false);
  GradientAverager averager(world, params, {});
  params[0].set_requires_grad(true);
  {
    const GradientReadyGuard watch = averager.watch_backward();
    (sum(params[0]) + sum(params[1])).backward();
  }
  CHECK(testing::error_message([&] { averager.finish(); }) ==
        "GradientAverager: parameter 0 (f32 [3]) has a gradient, but it did not require one when "
        "the averager was built, so no bucket averages it; build the averager after unfreezing");
  params[0].zero_grad();
  CHECK_NOTHROW(averager.finish());
}

TEST_CASE("distributed: with one rank the averager leaves every gradient as it was") {
  Communicator& world = Communicator::world();
  auto params = parameters_of_sizes({3, 2});
  GradientAverager averager(world, params, {.bucket_bytes = 4});
  {
    const GradientReadyGuard watch = averager.watch_backward();
    (sum(params[0] * 2.0f) + sum(params[1]) * 0.0f).backward();
  }
  averager.finish();
  CHECK(params[0].grad().to_vector<float>() == std::vector<float>{2, 2, 2});
  CHECK(params[1].grad().to_vector<float>() == std::vector<float>{0, 0});
}

TEST_CASE("distributed: shard_rows deals a batch's rows out in rank order, sizes within one") {
  // 5 rows over 3 ranks: 1 + 2 + 2, end to end.
  CHECK(shard_rows(5, 0, 3).begin == 0);
  CHECK(shard_rows(5, 0, 3).end == 1);
  CHECK(shard_rows(5, 1, 3).begin == 1);
  CHECK(shard_rows(5, 1, 3).end == 3);
  CHECK(shard_rows(5, 2, 3).begin == 3);
  CHECK(shard_rows(5, 2, 3).end == 5);
  for (int64_t rows : {0, 1, 2, 7, 64}) {
    int64_t next = 0;
    for (int rank = 0; rank < 4; ++rank) {
      const RowRange part = shard_rows(rows, rank, 4);
      CHECK(part.begin == next);
      CHECK(part.size() >= rows / 4);
      CHECK(part.size() <= rows / 4 + 1);
      next = part.end;
    }
    CHECK(next == rows);
  }
  CHECK(testing::error_message([] { shard_rows(4, 2, 2); }).find("rank 2 of 2 ranks") !=
        std::string::npos);
}

TEST_CASE("distributed: shard_rows does not overflow for row counts near int64's limit") {
  // rows * rank overflowed int64 (undefined behaviour) once rows exceeded 2^63 / size.
  const int64_t rows = std::numeric_limits<int64_t>::max() - 2;
  int64_t next = 0;
  for (int rank = 0; rank < 7; ++rank) {
    CAPTURE(rank);
    const RowRange part = shard_rows(rows, rank, 7);
    CHECK(part.begin == next);
    CHECK(part.size() >= rows / 7);
    CHECK(part.size() <= rows / 7 + 1);
    next = part.end;
  }
  CHECK(next == rows);
  CHECK(shard_rows(rows, 3, 7).begin == 3 * (rows / 7) + 3 * (rows % 7) / 7);
}

TEST_CASE(
    "distributed: share_weight makes the mean of the ranks' weighted means the batch's mean") {
  CHECK(share_weight(8, 16, 2) == 1.0f);  // even shares are left exactly as they are
  CHECK(share_weight(16, 16, 1) == 1.0f);
  // Means 1 (over 1 item) and 4 (over 2): the batch's mean is 3 = (1 * w0 + 4 * w1) / 2.
  const float w0 = share_weight(1, 3, 2), w1 = share_weight(2, 3, 2);
  CHECK((1.0f * w0 + 4.0f * w1) / 2 == doctest::Approx(3.0f));
  CHECK(share_weight(0, 3, 2) == 0.0f);
  CHECK(testing::error_message([] { share_weight(4, 3, 2); }).find("4 of 3 items") !=
        std::string::npos);
  // A rank count of 0 or less gave a weight of 0 (or below), silently.
  CHECK(testing::error_message([] { share_weight(1, 3, 0); }).find("1 of 3 items over 0 ranks") !=
        std::string::npos);
}

TEST_CASE("distributed: srun without an MPI plugin is refused rather than run as lone processes") {
  setenv("SLURM_STEP_NUM_TASKS", "2", 1);
  const int refused = testing::run_child("first_world", {});
  setenv("SLURM_STEP_NUM_TASKS", "1", 1);
  const int alone = testing::run_child("first_world", {});
  unsetenv("SLURM_STEP_NUM_TASKS");
  CHECK(refused == 3);
  CHECK(alone == 0);
}
