#include "synthgrad/distributed/communicator.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "synthgrad/core/error.h"

#ifdef SG_HAS_MPI
#include <mpi.h>
#endif

namespace sg::distributed {

namespace {

#ifdef SG_HAS_MPI
// Whether a launcher started this process, from its environment: Open MPI's mpirun, a PMI
// launcher (srun --mpi=pmi2, MPICH's) or a PMIx one (srun --mpi=pmix, prterun).
bool launched_by_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}
#endif

#ifdef SG_HAS_MPI
void check_mpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(fmt::format("{}: MPI error: {}", what, std::string(text, length)));
}

void finalize_mpi() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

MPI_Datatype mpi_type(DType dtype, const char* what) {
  SG_CHECK(dtype == DType::f32 || dtype == DType::i64, "{}: expected f32 or i64, got {}", what,
           dtype_name(dtype));
  return dtype == DType::f32 ? MPI_FLOAT : MPI_INT64_T;
}

// MPI counts are ints: larger buffers go in pieces.
constexpr int64_t kMaxCount = int64_t{1} << 30;
#endif

}  // namespace

// srun says the count for PMIx launches too.
int launched_processes() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"})
    if (const char* value = std::getenv(name)) return std::max(1, std::atoi(value));
  return 1;
}

bool built_with_mpi() {
#ifdef SG_HAS_MPI
  return true;
#else
  return false;
#endif
}

// Without a launcher the run is one process and MPI is never initialised: programs start as fast
// as without MPI, and need no MPI runtime.
Communicator& Communicator::world() {
  static Communicator instance = [] {
#ifdef SG_HAS_MPI
    if (!launched_by_launcher()) {
      // srun without an MPI plugin starts the tasks with nothing to find each other by.
      const int tasks = launched_processes();
      SG_CHECK(tasks == 1,
               "this program was started by srun as one of {} tasks without an MPI plugin, so "
               "each would train alone: start it with srun --mpi=pmix",
               tasks);
      return Communicator(0, 1);
    }
    int provided = 0;
    // Only the main thread calls MPI; the thread pool never does.
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init");
    SG_CHECK(provided >= MPI_THREAD_FUNNELED,
             "MPI_Init: this MPI library does not support calls from a threaded program");
    std::atexit(finalize_mpi);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return Communicator(rank, size);
#else
    const int launched = launched_processes();
    SG_CHECK(launched == 1,
             "this program was started as one of {} processes (OMPI_COMM_WORLD_SIZE, PMI_SIZE or "
             "SLURM_STEP_NUM_TASKS), but synthgrad was built without MPI: install libopenmpi-dev "
             "and rebuild",
             launched);
    return Communicator(0, 1);
#endif
  }();
  return instance;
}

struct Request::Impl {
#ifdef SG_HAS_MPI
  std::vector<MPI_Request> pieces;
#endif
};

Request::Request() = default;
Request::Request(Request&&) noexcept = default;
Request& Request::operator=(Request&& other) noexcept {
  if (this != &other) {
    wait_discarding_errors();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
Request::~Request() {
  wait_discarding_errors();
}

void Request::wait_discarding_errors() noexcept {
  if (!impl_) return;
  try {
    wait();
  } catch (const std::exception&) {
    // A failed collective has already ended the run's communication; nothing to report here.
  }
}

void Request::wait() {
  if (!impl_) return;
#ifdef SG_HAS_MPI
  auto pieces = std::move(impl_->pieces);
  impl_.reset();
  check_mpi(MPI_Waitall(static_cast<int>(pieces.size()), pieces.data(), MPI_STATUSES_IGNORE),
            "allreduce (waiting)");
#else
  impl_.reset();
#endif
}

bool Request::test() {
  if (!impl_) return true;
#ifdef SG_HAS_MPI
  int done = 0;
  check_mpi(MPI_Testall(static_cast<int>(impl_->pieces.size()), impl_->pieces.data(), &done,
                        MPI_STATUSES_IGNORE),
            "allreduce (testing)");
  if (done) impl_.reset();
  return done != 0;
#else
  impl_.reset();
  return true;
#endif
}

void Communicator::broadcast(Tensor& tensor, int root) {
  // Checked with one rank too, so that a program fails alike however many ranks run it.
  SG_CHECK(tensor.is_contiguous(), "broadcast: the tensor ({}) must be contiguous",
           describe(tensor));
  SG_CHECK(tensor.dtype() == DType::f32 || tensor.dtype() == DType::i64,
           "broadcast: the tensor ({}) must be f32 or i64", describe(tensor));
  SG_CHECK(root >= 0 && root < size_, "broadcast: root {} for {} ranks", root, size_);
  if (size_ == 1) return;
#ifdef SG_HAS_MPI
  const MPI_Datatype type = mpi_type(tensor.dtype(), "broadcast");
  std::byte* bytes = tensor.raw_data();
  const auto element = static_cast<int64_t>(dtype_size(tensor.dtype()));
  for (int64_t done = 0; done < tensor.numel(); done += kMaxCount) {
    const auto count = static_cast<int>(std::min(kMaxCount, tensor.numel() - done));
    check_mpi(MPI_Bcast(bytes + done * element, count, type, root, MPI_COMM_WORLD), "broadcast");
  }
#endif
}

Request Communicator::allreduce_sum_async(float* data, int64_t count) {
  Request request;
  if (size_ == 1 || count == 0) return request;
#ifdef SG_HAS_MPI
  request.impl_ = std::make_unique<Request::Impl>();
  for (int64_t done = 0; done < count; done += kMaxCount) {
    MPI_Request piece;
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, data + done,
                             static_cast<int>(std::min(kMaxCount, count - done)), MPI_FLOAT,
                             MPI_SUM, MPI_COMM_WORLD, &piece),
              "allreduce");
    request.impl_->pieces.push_back(piece);
  }
#else
  (void)data;
#endif
  return request;
}

void Communicator::allreduce_sum(float* data, int64_t count) {
  allreduce_sum_async(data, count).wait();
}

double Communicator::allreduce_sum(double value) {
  allreduce_sum(&value, 1);
  return value;
}

void Communicator::allreduce_sum(double* data, int64_t count) {
#ifdef SG_HAS_MPI
  for (int64_t done = 0; size_ > 1 && done < count; done += kMaxCount)
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, data + done,
                            static_cast<int>(std::min(kMaxCount, count - done)), MPI_DOUBLE,
                            MPI_SUM, MPI_COMM_WORLD),
              "allreduce");
#else
  (void)data;
  (void)count;
#endif
}

void Communicator::abort(int status) {
#ifdef SG_HAS_MPI
  if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, status);
#endif
  std::exit(status);
}

void Communicator::barrier() {
#ifdef SG_HAS_MPI
  if (size_ > 1) check_mpi(MPI_Barrier(MPI_COMM_WORLD), "barrier");
#endif
}

}  // namespace sg::distributed
