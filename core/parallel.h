#pragma once
// One thread setting for the whole process. TBB's pool does all the parallel work: OpenBLAS is
// held at one thread and gemm (core/blas.h) splits products across TBB's threads itself, so no
// second pool spins against TBB's for the cores.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cstdint>
#include <functional>

namespace sg {

// Sets the thread count of every kernel, GEMM included (n >= 1): TBB's pool gets n threads and
// OpenBLAS's is kept at one. The default is SG_NUM_THREADS when set, else the number of hardware
// threads.
void set_num_threads(int n);
int num_threads();

namespace detail {
void ensure_thread_settings();

// ThreadSanitizer sees only the synchronisation of code it compiled, and Debian's oneTBB is not
// instrumented: every hand-over of a range between TBB's workers would be reported as a race. TSan
// builds therefore run parallel loops on plain threads, started and joined where TSan sees it, so
// that what it checks is exactly what matters here: that loop bodies write disjoint outputs.
#if defined(__SANITIZE_THREAD__)
#define SG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SG_TSAN 1
#endif
#endif
void parallel_for_on_threads(int64_t begin, int64_t end, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& body);
}  // namespace detail

// Calls body(begin, end) on sub-ranges of [begin, end) of at least `grain` items, in parallel.
// Bodies must not depend on how the range is split (write disjoint outputs).
template <class Body>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Body& body) {
  if (end - begin <= grain) {
    if (end > begin) body(begin, end);
    return;
  }
  detail::ensure_thread_settings();
#ifdef SG_TSAN
  detail::parallel_for_on_threads(begin, end, grain, body);
#else
  tbb::parallel_for(tbb::blocked_range<int64_t>(begin, end, grain),
                    [&](const tbb::blocked_range<int64_t>& r) { body(r.begin(), r.end()); });
#endif
}

// Element count below which a kernel is not worth splitting across threads.
inline constexpr int64_t kParallelGrain = 32768;

}  // namespace sg
