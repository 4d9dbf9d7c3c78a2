#pragma once
// The processes of one training run and the collective operations between them. Built with MPI
// (Open MPI), a program started by `mpirun -np N` or `srun` has N ranks; started alone, or built
// without MPI, it has one, and every collective is a no-op. MPI's types stay out of this header.
#include <cstdint>
#include <memory>

#include "synthgrad/core/tensor.h"

namespace sg::distributed {

// A non-blocking collective in flight. wait() returns once its result is in place; a request is
// waited on once (the destructor waits on one that was not).
class Request {
 public:
  Request();
  Request(Request&&) noexcept;
  Request& operator=(Request&&) noexcept;
  ~Request();
  void wait();
  // Lets MPI move the operation on (Open MPI progresses non-blocking collectives only inside MPI
  // calls); true once it is complete.
  bool test();

 private:
  friend class Communicator;
  // For the destructor and move-assignment, which must not throw.
  void wait_discarding_errors() noexcept;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Communicator {
 public:
  // All processes of the run: initialises MPI on first use (and finalises it at exit). Throws,
  // naming the launcher's variables, when the program was started as one of several processes by
  // a launcher but built without MPI, or by srun without an MPI plugin (--mpi=pmix).
  static Communicator& world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // `tensor` (contiguous, f32 or i64) takes root's values on every rank.
  void broadcast(Tensor& tensor, int root = 0);
  // Every rank's `count` floats at `data` become their elementwise sum over ranks, in place. Each
  // element's sum is computed the same way on every rank, so all ranks hold identical bits.
  void allreduce_sum(float* data, int64_t count);
  Request allreduce_sum_async(float* data, int64_t count);
  // Sums one double per rank (a loss, a count of correct answers).
  double allreduce_sum(double value);
  // Every rank's `count` doubles become their elementwise sum over ranks: sums of figures, or a
  // gather, each rank filling its own part of zeros.
  void allreduce_sum(double* data, int64_t count);
  void barrier();
  // Ends every rank of the run with `status` (MPI_Abort): for an error on one rank, which would
  // otherwise leave the others waiting in their next collective. Exits if there is one rank.
  [[noreturn]] void abort(int status);

 private:
  Communicator(int rank, int size) : rank_(rank), size_(size) {}
  int rank_;
  int size_;
};

// True when this build has MPI.
bool built_with_mpi();

// The number of processes the launcher started (mpirun, srun), read from its environment without
// initialising MPI; 1 for a program started alone.
int launched_processes();

}  // namespace sg::distributed
