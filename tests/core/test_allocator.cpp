#include <doctest/doctest.h>

#include <cstdint>

#include "synthgrad/core/core.h"

using namespace sg;

namespace {
bool aligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kStorageAlignment == 0;
}
}  // namespace

TEST_CASE("storage blocks are 64-byte aligned, small and large") {
  for (int64_t n : {0, 1, 3, 17, 1000, 100000, 1 << 20}) {
    const Tensor t = Tensor::empty({n});
    CHECK(aligned(t.raw_data()));
  }
}

#if !defined(__SANITIZE_ADDRESS__)
TEST_CASE("a freed large block is reused for the next tensor of its size class") {
  release_cached_memory();
  const void* first = nullptr;
  {
    const Tensor t = Tensor::empty({300000});
    first = t.raw_data();
    CHECK(allocator_stats().bytes_in_use >= 300000 * sizeof(float));
  }
  CHECK(allocator_stats().bytes_cached >= 300000 * sizeof(float));
  const uint64_t hits = allocator_stats().cache_hits;
  const Tensor again = Tensor::empty({299000});  // a little smaller: the same size class
  CHECK(again.raw_data() == first);
  CHECK(allocator_stats().cache_hits == hits + 1);
}

TEST_CASE(
    "blocks from 16 KiB up are cached: a 64-token activation is reused, not faulted in again") {
  // [64, 256] floats = 64 KiB: glibc trims such blocks from the top of its heap on free.
  const void* first = nullptr;
  { first = Tensor::empty({64, 256}).raw_data(); }
  const uint64_t hits = allocator_stats().cache_hits;
  const Tensor again = Tensor::empty({64, 256});
  CHECK(again.raw_data() == first);
  CHECK(allocator_stats().cache_hits == hits + 1);
  { const Tensor t = Tensor::empty({4500}); }  // 18 KB: cached as well
  CHECK(allocator_stats().bytes_cached >= 4500 * sizeof(float));
}
#endif

TEST_CASE("release_cached_memory empties the cache and the statistics follow") {
  { const Tensor t = Tensor::empty({400000}); }
  release_cached_memory();
  CHECK(allocator_stats().bytes_cached == 0);
  const size_t before = allocator_stats().bytes_in_use;
  reset_peak_bytes_in_use();
  {
    const Tensor t = Tensor::empty({500000});
    CHECK(allocator_stats().bytes_in_use >= before + 500000 * sizeof(float));
  }
  CHECK(allocator_stats().bytes_in_use == before);
  CHECK(allocator_stats().peak_bytes_in_use >= before + 500000 * sizeof(float));
  release_cached_memory();
  CHECK(allocator_stats().bytes_cached == 0);
}

TEST_CASE("a size whose size class would wrap past 2^64 is refused, not given a tiny block") {
  CHECK_THROWS_AS(allocate_storage(size_t{0xE000000000000040}), std::bad_alloc);
  CHECK_THROWS_AS(allocate_storage(SIZE_MAX), std::bad_alloc);
}
