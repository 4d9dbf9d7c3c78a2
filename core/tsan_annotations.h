#pragma once
// ThreadSanitizer sees the synchronisation only of code it compiled. Debian's oneTBB is not, so
// the orderings tbb::parallel_for guarantees are invisible to it and it would report every reuse
// of memory after a parallel loop as a race. These calls state such an ordering: everything before
// happens_before(token) in one thread is ordered before everything after happens_after(token) in
// another. They cost nothing outside TSan builds.
#if defined(__SANITIZE_THREAD__)
#define SG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SG_TSAN 1
#endif
#endif

#ifdef SG_TSAN
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
#endif

namespace sg::detail {

#ifdef SG_TSAN
inline void happens_before(void* token) {
  __tsan_release(token);
}
inline void happens_after(void* token) {
  __tsan_acquire(token);
}
#else
inline void happens_before(void*) {}
inline void happens_after(void*) {}
#endif

}  // namespace sg::detail
