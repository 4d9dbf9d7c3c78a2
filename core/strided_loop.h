#pragma once
// The one loop behind every element-wise kernel: N operands viewed over a common shape (strides in
// elements, 0 for broadcast axes). Axes are coalesced so that contiguous data becomes one long run,
// and the innermost runs are split across threads.
#include <algorithm>
#include <array>
#include <vector>

#include "synthgrad/core/parallel.h"
#include "synthgrad/core/shape.h"

namespace sg::detail {

template <size_t N>
struct StridedLayout {
  Shape shape;
  std::array<Shape, N> strides;
};

// Drops size-1 axes and merges neighbours that every operand walks as one.
template <size_t N>
StridedLayout<N> coalesce(const Shape& shape, const std::array<Shape, N>& strides) {
  StridedLayout<N> out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool mergeable = !out.shape.empty();
    for (size_t k = 0; k < N && mergeable; ++k)
      mergeable = out.strides[k].back() == strides[k][d] * shape[d];
    if (mergeable) {
      out.shape.back() *= shape[d];
      for (size_t k = 0; k < N; ++k) out.strides[k].back() = strides[k][d];
    } else {
      out.shape.push_back(shape[d]);
      for (size_t k = 0; k < N; ++k) out.strides[k].push_back(strides[k][d]);
    }
  }
  if (out.shape.empty()) {
    out.shape.push_back(1);
    for (size_t k = 0; k < N; ++k) out.strides[k].push_back(0);
  }
  return out;
}

// Element offsets of the first element of run number `run` (runs counted in row-major order).
template <size_t N>
std::array<int64_t, N> run_offsets(const StridedLayout<N>& layout, int64_t run) {
  std::array<int64_t, N> offsets{};
  for (int64_t d = static_cast<int64_t>(layout.shape.size()) - 2; d >= 0; --d) {
    const int64_t index = run % layout.shape[d];
    run /= layout.shape[d];
    for (size_t k = 0; k < N; ++k) offsets[k] += index * layout.strides[k][d];
  }
  return offsets;
}

// Calls run(offsets, n, inner_strides) for every innermost run, where offsets[k] is the element
// offset of operand k's first element in that run. Long runs (a contiguous tensor is one run) are
// cut into pieces so that they too spread over the threads.
template <size_t N, class Run>
void for_each_run(const Shape& shape, const std::array<Shape, N>& strides, const Run& run) {
  if (numel_of(shape) == 0) return;
  const StridedLayout<N> layout = coalesce(shape, strides);
  const int64_t rank = static_cast<int64_t>(layout.shape.size());
  const int64_t inner = layout.shape.back();
  const int64_t runs = numel_of(layout.shape) / inner;
  std::array<int64_t, N> inner_strides;
  for (size_t k = 0; k < N; ++k) inner_strides[k] = layout.strides[k].back();

  if (inner >= 2 * kParallelGrain) {
    const int64_t pieces = (inner + kParallelGrain - 1) / kParallelGrain;
    parallel_for(0, runs * pieces, 1, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        const int64_t start = (task % pieces) * kParallelGrain;
        std::array<int64_t, N> offsets = run_offsets(layout, task / pieces);
        for (size_t k = 0; k < N; ++k) offsets[k] += start * inner_strides[k];
        run(offsets, std::min(kParallelGrain, inner - start), inner_strides);
      }
    });
    return;
  }
  parallel_for(0, runs, std::max<int64_t>(1, kParallelGrain / inner),
               [&](int64_t begin, int64_t end) {
                 std::array<int64_t, N> offsets = run_offsets(layout, begin);
                 std::vector<int64_t> index(rank - 1);
                 for (int64_t d = rank - 2, r = begin; d >= 0; --d) {
                   index[d] = r % layout.shape[d];
                   r /= layout.shape[d];
                 }
                 for (int64_t i = begin; i < end; ++i) {
                   run(offsets, inner, inner_strides);
                   for (int64_t d = rank - 2; d >= 0; --d) {
                     for (size_t k = 0; k < N; ++k) offsets[k] += layout.strides[k][d];
                     if (++index[d] < layout.shape[d]) break;
                     for (size_t k = 0; k < N; ++k)
                       offsets[k] -= layout.strides[k][d] * layout.shape[d];
                     index[d] = 0;
                   }
                 }
               });
}

}  // namespace sg::detail
