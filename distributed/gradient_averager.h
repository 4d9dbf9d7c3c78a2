#pragma once
// Data-parallel training: every rank runs the same model on its own shard of each global batch,
// and before each optimizer step the parameters' gradients are averaged over the ranks, so that
// every rank takes the same step as one process with the whole batch would.
//
// Gradients are averaged in buckets of about `bucket_bytes`, parameters taken in reverse order
// (the order in which backward finishes them). With `overlap`, a bucket's non-blocking allreduce
// starts during backward as soon as its last gradient is final, and finish() waits for them all;
// buckets start in their fixed order on every rank, as MPI requires of collectives.
//
//   GradientAverager averager(world, model.parameters(), {});
//   {
//     const auto watch = averager.watch_backward();
//     loss.backward();
//   }
//   averager.finish();
//   optimizer.step();
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "synthgrad/autograd/gradient_hook.h"
#include "synthgrad/distributed/communicator.h"

namespace sg::distributed {

struct AveragerOptions {
  int64_t bucket_bytes = int64_t{25} << 20;  // PyTorch DDP's default
  bool overlap = true;
};

class GradientAverager {
 public:
  GradientAverager(Communicator& communicator, std::vector<Variable> parameters,
                   AveragerOptions options);

  // Watches the backward passes run while the returned guard lives, starting buckets as they
  // fill. Without it (or with overlap off) finish() does all the work.
  GradientReadyGuard watch_backward();
  // Starts the buckets not started yet, waits for all, and leaves each parameter's gradient the
  // average over ranks (a parameter without a gradient on some rank counts zeros there; one
  // without a gradient on every rank is left without, as one process would leave it).
  void finish();

  int64_t bucket_count() const { return static_cast<int64_t>(buckets_.size()); }
  // Buckets whose allreduce is under way: during backward, those that filled already.
  int64_t buckets_started() const { return static_cast<int64_t>(next_to_start_); }
  int64_t bytes_per_step() const;  // the gradients, and one float per parameter (see Bucket)

 private:
  struct Bucket {
    std::vector<size_t> members;  // indices into parameters_
    // The members' gradients end to end, in member order, then one float per member: 1 where this
    // rank has its gradient. Summed with the gradients, the flags tell whether any rank had it.
    Tensor flat;
    std::vector<Tensor> parts;  // views of flat, one per member, shaped like it
    Tensor has_gradient;        // the view of the flags
    size_t ready = 0;
    Request request;
  };

  void on_gradient_ready(const Variable& leaf);
  void start_ready_buckets();
  void start(Bucket& bucket);

  Communicator& communicator_;
  std::vector<Variable> parameters_;
  AveragerOptions options_;
  std::vector<Bucket> buckets_;
  std::unordered_map<const VariableImpl*, size_t> bucket_of_;
  std::vector<size_t> unbucketed_;  // parameters frozen when the buckets were laid out
  size_t next_to_start_ = 0;
};

// Copies rank `root`'s parameter values to every rank (at the start of training).
void broadcast_parameters(Communicator& communicator, const std::vector<Variable>& parameters,
                          int root = 0);

}  // namespace sg::distributed
