#pragma once
// Dropout inside the kernel that produces its input (GELU, a residual add) or takes its gradient:
// the mask of core/random.h applied in the kernel's own pass.
#include <algorithm>
#include <cstdint>

#include "synthgrad/core/parallel.h"
#include "synthgrad/core/random.h"

namespace sg::detail {

// Calls chunk(start, count, factors) on consecutive chunks of the mask's elements, in parallel,
// with factors[0, count) the mask's factors (0 or 1 / (1 - p)) of elements [start, start + count).
// The factors are drawn into a buffer first, so that both the draws and the kernel's own loop
// vectorise.
template <class Chunk>
void for_each_dropout_chunk(const DropoutMask& mask, const Chunk& chunk) {
  constexpr int64_t kChunk = 2048;
  const int64_t chunks = (mask.numel + kChunk - 1) / kChunk;
  parallel_for(0, chunks, std::max<int64_t>(1, kParallelGrain / kChunk),
               [&](int64_t begin, int64_t end) {
                 float factors[kChunk];
                 for (int64_t c = begin; c < end; ++c) {
                   const int64_t start = c * kChunk, n = std::min(kChunk, mask.numel - start);
                   dropout_factors(mask, start, n, factors);
                   chunk(start, n, static_cast<const float*>(factors));
                 }
               });
}

// out[i] = value(i, factor) for every element of the mask, where factor is the mask's.
template <class Value>
void write_with_dropout(const DropoutMask& mask, float* out, const Value& value) {
  for_each_dropout_chunk(mask, [&](int64_t start, int64_t n, const float* factors) {
    for (int64_t i = 0; i < n; ++i) out[start + i] = value(start + i, factors[i]);
  });
}

}  // namespace sg::detail
