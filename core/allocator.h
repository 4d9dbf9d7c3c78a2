#pragma once
// Tensor storage comes from here. A training loop allocates and frees the same large sizes every
// step; handing each of them back to the OS and taking fresh pages again costs more time in the
// kernel (page faults, zeroing pages) than many kernels cost. So freed large blocks are kept in
// free lists by size class and reused; small blocks (under 16 KiB) go straight to malloc, which
// reuses them well.
#include <cstddef>
#include <cstdint>

namespace sg {

// Every block is aligned to 64 bytes: a cache line, and the width of an AVX-512 register.
inline constexpr size_t kStorageAlignment = 64;

// A block of at least `nbytes` bytes; throws std::bad_alloc. Thread-safe.
void* allocate_storage(size_t nbytes);
// Returns a block from allocate_storage(nbytes) with the same `nbytes`. Thread-safe.
void free_storage(void* block, size_t nbytes);

struct AllocatorStats {
  size_t bytes_in_use = 0;       // in live blocks (large blocks count their size class)
  size_t peak_bytes_in_use = 0;  // since the start or the last reset_peak_bytes_in_use()
  size_t bytes_cached = 0;       // in freed blocks kept for reuse
  uint64_t cache_hits = 0;       // large allocations served from the cache
  uint64_t cache_misses = 0;     // large allocations that went to the system
};

AllocatorStats allocator_stats();
void reset_peak_bytes_in_use();
// Gives every cached block back to the system (the next allocations of those sizes miss again).
void release_cached_memory();

}  // namespace sg
