#include "synthgrad/core/parallel.h"

#include <cblas.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "synthgrad/core/error.h"

namespace sg {

namespace {

struct ThreadSettings {
  std::mutex mutex;
  std::atomic<bool> ready{false};
  int count = 0;
  std::unique_ptr<tbb::global_control> control;
};

ThreadSettings& settings() {
  static ThreadSettings instance;
  return instance;
}

int default_thread_count() {
  if (const char* env = std::getenv("SG_NUM_THREADS")) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    SG_CHECK(end != env && *end == '\0' && n >= 1 && n <= 1024,
             "SG_NUM_THREADS: expected a whole number from 1 to 1024, got '{}'", env);
    return static_cast<int>(n);
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void apply(ThreadSettings& s, int n) {
  s.control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<size_t>(n));
  openblas_set_num_threads(1);  // gemm splits products across TBB's threads (core/blas.h)
  s.count = n;
  s.ready.store(true, std::memory_order_release);
}

}  // namespace

void set_num_threads(int n) {
  SG_CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got {}", n);
  auto& s = settings();
  std::lock_guard lock(s.mutex);
  apply(s, n);
}

int num_threads() {
  detail::ensure_thread_settings();
  return settings().count;
}

namespace detail {
void ensure_thread_settings() {
  auto& s = settings();
  if (s.ready.load(std::memory_order_acquire)) return;
  std::lock_guard lock(s.mutex);
  if (s.count == 0) apply(s, default_thread_count());
}

void parallel_for_on_threads(int64_t begin, int64_t end, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& body) {
  // One more piece than threads, so that some thread runs two and the split is not always even.
  const int64_t pieces = std::min<int64_t>((end - begin + grain - 1) / grain, num_threads() + 1);
  const int64_t size = (end - begin + pieces - 1) / pieces;
  std::vector<std::thread> workers;
  for (int64_t first = begin + size; first < end; first += size)
    workers.emplace_back([&body, first, last = std::min(first + size, end)] { body(first, last); });
  body(begin, std::min(begin + size, end));
  for (auto& worker : workers) worker.join();
}
}  // namespace detail

}  // namespace sg
