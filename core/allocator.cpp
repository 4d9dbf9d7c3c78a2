#include "synthgrad/core/allocator.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace sg {

namespace {

// Below this, malloc's own bins reuse memory without page faults. Above it glibc maps fresh,
// zeroed pages for every block, or (for blocks near 64 KiB, the activations of one 64-token
// sentence) trims the top of its heap on free and faults the pages in again on the next malloc:
// with the limit at 64 KiB, batch-1 inference of cls-small took 5-6.5 ms instead of 2.8 ms.
constexpr size_t kSmallLimit = size_t{16} << 10;

#if defined(__SANITIZE_ADDRESS__)
// Cached blocks would hide use-after-free from AddressSanitizer: let it see every free.
constexpr bool kCaching = false;
#else
constexpr bool kCaching = true;
#endif

size_t round_up(size_t n, size_t step) {
  return (n + step - 1) / step * step;
}

// Large sizes are rounded up to four classes per power of two (at most 25% waste), so that shapes
// which differ a little (the last batch of an epoch, another sequence length) still share blocks.
size_t size_class(size_t nbytes) {
  if (nbytes > static_cast<size_t>(PTRDIFF_MAX)) throw std::bad_alloc();  // rounding would wrap
  nbytes = round_up(std::max<size_t>(nbytes, 1), kStorageAlignment);
  if (nbytes <= kSmallLimit) return nbytes;
  return round_up(nbytes, std::bit_floor(nbytes - 1) / 4);
}

void* system_allocate(size_t nbytes) {
  void* block = std::aligned_alloc(kStorageAlignment, nbytes);
  if (block == nullptr) throw std::bad_alloc();
  return block;
}

struct Allocator {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;  // by size class
  AllocatorStats stats;

  void release_locked() {
    for (auto& [size, blocks] : free_blocks)
      for (void* block : blocks) std::free(block);
    free_blocks.clear();
    stats.bytes_cached = 0;
  }
};

// Never destroyed: tensors in static storage may be freed after any other static is gone.
Allocator& allocator() {
  static Allocator* instance = new Allocator;
  return *instance;
}

}  // namespace

void* allocate_storage(size_t nbytes) {
  const size_t size = size_class(nbytes);
  Allocator& a = allocator();
  {
    std::lock_guard lock(a.mutex);
    a.stats.bytes_in_use += size;
    a.stats.peak_bytes_in_use = std::max(a.stats.peak_bytes_in_use, a.stats.bytes_in_use);
    if (size > kSmallLimit) {
      auto it = a.free_blocks.find(size);
      if (it != a.free_blocks.end() && !it->second.empty()) {
        void* block = it->second.back();
        it->second.pop_back();
        a.stats.bytes_cached -= size;
        ++a.stats.cache_hits;
        return block;
      }
      ++a.stats.cache_misses;
    }
  }
  try {
    return system_allocate(size);
  } catch (const std::bad_alloc&) {
    // The cache may hold enough memory in other size classes: give it back and try once more.
    std::lock_guard lock(a.mutex);
    a.release_locked();
  }
  try {
    return system_allocate(size);
  } catch (const std::bad_alloc&) {
    std::lock_guard lock(a.mutex);
    a.stats.bytes_in_use -= size;
    throw;
  }
}

void free_storage(void* block, size_t nbytes) {
  const size_t size = size_class(nbytes);
  Allocator& a = allocator();
  {
    std::lock_guard lock(a.mutex);
    a.stats.bytes_in_use -= size;
    if (kCaching && size > kSmallLimit) {
      a.free_blocks[size].push_back(block);
      a.stats.bytes_cached += size;
      return;
    }
  }
  std::free(block);
}

AllocatorStats allocator_stats() {
  Allocator& a = allocator();
  std::lock_guard lock(a.mutex);
  return a.stats;
}

void reset_peak_bytes_in_use() {
  Allocator& a = allocator();
  std::lock_guard lock(a.mutex);
  a.stats.peak_bytes_in_use = a.stats.bytes_in_use;
}

void release_cached_memory() {
  Allocator& a = allocator();
  std::lock_guard lock(a.mutex);
  a.release_locked();
}

}  // namespace sg
