#include "synthgrad/core/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "synthgrad/core/lane_sum.h"
#include "synthgrad/core/parallel.h"

namespace sg {

namespace {

enum class Reduction { sum, max };

// Rows are cut into fixed blocks; blocks are reduced independently (in parallel) and their results
// combined in order. The block size, not the thread count, fixes the order of operations.
constexpr int64_t kBlock = 4096;

double reduce_block(const float* p, int64_t n, Reduction kind) {
  if (kind == Reduction::max) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) m = (p[i] > m || std::isnan(p[i])) ? p[i] : m;
    return m;
  }
  return lane_sum(n, [p](int64_t i) { return p[i]; });
}

double combine(double acc, double v, Reduction kind) {
  if (kind == Reduction::sum) return acc + v;
  return (v > acc || std::isnan(v)) ? v : acc;
}

double identity(Reduction kind) {
  return kind == Reduction::sum ? 0.0 : -std::numeric_limits<double>::infinity();
}

// out[r] = reduce(rows[r, 0:inner]) for a contiguous [outer, inner] block.
void reduce_rows(const float* rows, int64_t outer, int64_t inner, Reduction kind, float* out) {
  const int64_t blocks = std::max<int64_t>(1, (inner + kBlock - 1) / kBlock);
  std::vector<double> partial(outer * blocks);
  // An empty row (a sum over a 0-sized axis) still counts as one item of work, not zero.
  const int64_t grain =
      std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, std::min(inner, kBlock)));
  parallel_for(0, outer * blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t r = t / blocks, b = t % blocks;
      const int64_t start = b * kBlock;
      partial[t] = reduce_block(rows + r * inner + start, std::min(kBlock, inner - start), kind);
    }
  });
  for (int64_t r = 0; r < outer; ++r) {
    double acc = identity(kind);
    for (int64_t b = 0; b < blocks; ++b) acc = combine(acc, partial[r * blocks + b], kind);
    out[r] = static_cast<float>(acc);
  }
}

// Offsets (in elements) of every index combination of `axes` of x, in row-major order.
std::vector<int64_t> offsets_of(const Tensor& x, const std::vector<int64_t>& axes) {
  std::vector<int64_t> offsets{0};
  for (int64_t d : axes) {
    std::vector<int64_t> next;
    next.reserve(offsets.size() * static_cast<size_t>(x.size(d)));
    for (int64_t base : offsets)
      for (int64_t i = 0; i < x.size(d); ++i) next.push_back(base + i * x.strides()[d]);
    offsets = std::move(next);
  }
  return offsets;
}

// For a kept last axis of unit stride: output row o is the reduction of the input rows at
// row_offsets[o] + reduced_offsets[r] over r, combined whole rows at a time so that the loop over
// the row vectorises and no transposing copy is made. Bias gradients ([N, F] -> [F]) and per-head
// ones ([B, H, L, L] -> [H, 1, L]) take this path. Each output element is reduced by one task in
// the order of r, so the result does not depend on the thread count.
void reduce_whole_rows(const float* x, const std::vector<int64_t>& row_offsets,
                       const std::vector<int64_t>& reduced_offsets, int64_t n, Reduction kind,
                       float* out) {
  constexpr int64_t kChunk = 256;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  const int64_t rows = static_cast<int64_t>(reduced_offsets.size());
  const int64_t tasks = static_cast<int64_t>(row_offsets.size()) * chunks;
  parallel_for(0, tasks, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(rows * kChunk, 1)),
               [&](int64_t begin, int64_t end) {
                 std::vector<double> acc(kChunk);
                 for (int64_t t = begin; t < end; ++t) {
                   const int64_t o = t / chunks, start = (t % chunks) * kChunk;
                   const int64_t width = std::min(kChunk, n - start);
                   std::fill_n(acc.begin(), width, identity(kind));
                   for (int64_t r = 0; r < rows; ++r) {
                     const float* row = x + row_offsets[o] + reduced_offsets[r] + start;
                     for (int64_t k = 0; k < width; ++k) acc[k] = combine(acc[k], row[k], kind);
                   }
                   for (int64_t k = 0; k < width; ++k)
                     out[o * n + start + k] = static_cast<float>(acc[k]);
                 }
               });
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& axes, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    bool reduced = std::binary_search(axes.begin(), axes.end(), d);
    if (!reduced)
      out.push_back(shape[d]);
    else if (keepdim)
      out.push_back(1);
  }
  return out;
}

Tensor reduce(const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim, Reduction kind,
              const char* op) {
  SG_CHECK(x.defined() && x.dtype() == DType::f32, "{}: expected an f32 tensor, got {}", op,
           describe(x));
  const std::vector<int64_t> axes = normalize_axes(axes_in, x.dim(), op);
  std::vector<int64_t> kept;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (std::binary_search(axes.begin(), axes.end(), d)) {
      inner *= x.size(d);
    } else {
      kept.push_back(d);
      outer *= x.size(d);
    }
  }
  Tensor out = Tensor::empty(reduced_shape(x.shape(), axes, keepdim));
  SG_CHECK(inner > 0 || kind == Reduction::sum, "{}: cannot reduce an empty axis of shape {}", op,
           shape_str(x.shape()));
  if (outer == 0) return out;
  // Trailing kept axes that walk memory as one unit-stride row (the 4 x 8 of [N, 4, 8] summed over
  // axis 0: a row of 32) are reduced whole rows at a time, straight from x.
  int64_t row = 1;
  size_t row_axes = 0;
  for (int64_t d = x.dim() - 1; d >= 0 && !std::binary_search(axes.begin(), axes.end(), d); --d) {
    if (x.size(d) != 1 && x.strides()[d] != row) break;
    row *= x.size(d);
    ++row_axes;
  }
  if (row >= 16 && inner > 1) {
    kept.resize(kept.size() - row_axes);
    reduce_whole_rows(x.data<float>(), offsets_of(x, kept), offsets_of(x, axes), row, kind,
                      out.data<float>());
  } else {
    std::vector<int64_t> kept_first = kept;
    kept_first.insert(kept_first.end(), axes.begin(), axes.end());
    const Tensor rows = x.permute(kept_first).contiguous();
    reduce_rows(rows.data<float>(), outer, inner, kind, out.data<float>());
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return reduce(x, axes, keepdim, Reduction::sum, "sum");
}

Tensor max(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return reduce(x, axes, keepdim, Reduction::max, "max");
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  Tensor total = reduce(x, axes, keepdim, Reduction::sum, "mean");
  if (total.numel() == 0) return total;  // a kept axis is empty: nothing to average
  // Count from the reduced axes themselves; x.numel() / total.numel() is wrong for empty tensors.
  int64_t count = 1;
  for (int64_t d : normalize_axes(axes, x.dim(), "mean")) count *= x.size(d);
  SG_CHECK(count > 0, "mean: cannot average an empty axis of shape {}", shape_str(x.shape()));
  const float scale = 1.0f / static_cast<float>(count);
  float* p = total.data<float>();
  for (int64_t i = 0; i < total.numel(); ++i) p[i] *= scale;
  return total;
}

Tensor argmax(const Tensor& x, int64_t axis, bool keepdim) {
  SG_CHECK(x.defined() && x.dtype() == DType::f32, "argmax: expected an f32 tensor, got {}",
           describe(x));
  axis = normalize_axis(axis, x.dim(), "argmax");
  const int64_t n = x.size(axis);
  SG_CHECK(n > 0, "argmax: axis {} of shape {} is empty", axis, shape_str(x.shape()));
  // Move `axis` last but keep the other axes in order, so that rows come out in the output's order
  // (a transpose would swap the last axis into `axis`'s place).
  std::vector<int64_t> order;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != axis) order.push_back(d);
  order.push_back(axis);
  const Tensor rows = x.permute(order).contiguous();
  const int64_t outer = rows.numel() / n;
  Tensor out = Tensor::empty(reduced_shape(x.shape(), {axis}, keepdim), DType::i64);
  const float* p = rows.data<float>();
  int64_t* o = out.data<int64_t>();
  parallel_for(0, outer, std::max<int64_t>(1, kParallelGrain / n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = p + r * n;
      int64_t best = 0;
      for (int64_t j = 1; j < n; ++j)
        if (row[j] > row[best] || (std::isnan(row[j]) && !std::isnan(row[best]))) best = j;
      o[r] = best;
    }
  });
  return out;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  SG_CHECK(broadcast_shapes(shape, x.shape(), "sum_to") == x.shape(),
           "sum_to: shape {} does not broadcast to {}", shape_str(shape), shape_str(x.shape()));
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> axes;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.size(d) != 1)) axes.push_back(d);
  if (axes.empty()) return x.reshape(shape);
  return sum(x, axes, true).reshape(shape);
}

}  // namespace sg
