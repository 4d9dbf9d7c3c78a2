#include "core/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/lane_sum.h"
#include "core/parallel.h"

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

// out[k] = reduce over r of cols[r, k] for a contiguous [rows, cols] block: the layout of a bias
// gradient, reduced row after row so that the loop over k vectorises.
void reduce_columns(const float* data, int64_t rows, int64_t cols, Reduction kind, float* out) {
  constexpr int64_t kChunk = 256;
  parallel_for(0, cols, std::max<int64_t>(kChunk, kParallelGrain / std::max<int64_t>(rows, 1)),
               [&](int64_t begin, int64_t end) {
                 std::vector<double> acc(end - begin, identity(kind));
                 for (int64_t r = 0; r < rows; ++r) {
                   const float* row = data + r * cols + begin;
                   for (int64_t k = 0; k < end - begin; ++k) acc[k] = combine(acc[k], row[k], kind);
                 }
                 for (int64_t k = 0; k < end - begin; ++k)
                   out[begin + k] = static_cast<float>(acc[k]);
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
  SG_CHECK(x.defined() && x.dtype() == DType::f32, "{}: expected a defined f32 tensor", op);
  const std::vector<int64_t> axes = normalize_axes(axes_in, x.dim(), op);
  std::vector<int64_t> kept_first, reduced_first;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (std::binary_search(axes.begin(), axes.end(), d)) {
      inner *= x.size(d);
    } else {
      kept_first.push_back(d);
      outer *= x.size(d);
    }
  }
  for (int64_t d : axes) reduced_first.push_back(d);
  reduced_first.insert(reduced_first.end(), kept_first.begin(), kept_first.end());
  kept_first.insert(kept_first.end(), axes.begin(), axes.end());

  Tensor out = Tensor::empty(reduced_shape(x.shape(), axes, keepdim));
  SG_CHECK(inner > 0 || kind == Reduction::sum, "{}: cannot reduce an empty axis of shape {}", op,
           shape_str(x.shape()));
  if (outer == 0) return out;
  const Tensor columns = x.permute(reduced_first);
  if (columns.is_contiguous() && outer >= 16 && inner > 1) {
    reduce_columns(columns.data<float>(), inner, outer, kind, out.data<float>());
  } else {
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
  SG_CHECK(x.defined() && x.dtype() == DType::f32, "argmax: expected a defined f32 tensor");
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
