#include "core/parallel.h"

#include <cblas.h>
#include <tbb/global_control.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.h"

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
}  // namespace detail

}  // namespace sg
