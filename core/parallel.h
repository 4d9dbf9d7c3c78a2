#pragma once
// One thread setting for the whole process. TBB's pool does all the parallel work: OpenBLAS is
// held at one thread and gemm (core/blas.h) splits products across TBB's threads itself, so no
// second pool spins against TBB's for the cores.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cstdint>

#include "core/tsan_annotations.h"

namespace sg {

// Sets the thread count of every kernel, GEMM included (n >= 1): TBB's pool gets n threads and
// OpenBLAS's is kept at one. The default is SG_NUM_THREADS when set, else the number of hardware
// threads.
void set_num_threads(int n);
int num_threads();

namespace detail {
void ensure_thread_settings();
}

// Calls body(begin, end) on sub-ranges of [begin, end) of at least `grain` items, in parallel.
// Bodies must not depend on how the range is split (write disjoint outputs).
template <class Body>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Body& body) {
  if (end - begin <= grain) {
    if (end > begin) body(begin, end);
    return;
  }
  detail::ensure_thread_settings();
  // TBB orders the call before every body and every body before the return; TSan is told so.
  char start = 0, end_all = 0;  // tokens: only their addresses matter
  detail::happens_before(&start);
  tbb::parallel_for(tbb::blocked_range<int64_t>(begin, end, grain),
                    [&](const tbb::blocked_range<int64_t>& r) {
                      detail::happens_after(&start);
                      body(r.begin(), r.end());
                      detail::happens_before(&end_all);
                    });
  detail::happens_after(&end_all);
}

// Element count below which a kernel is not worth splitting across threads.
inline constexpr int64_t kParallelGrain = 32768;

}  // namespace sg
