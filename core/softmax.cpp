#include "synthgrad/core/softmax.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "synthgrad/core/fast_math.h"
#include "synthgrad/core/lane_sum.h"
#include "synthgrad/core/strided_loop.h"

namespace sg {

namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// One row: logits at x[j * sx] (plus the mask's offset), result at out[j * so].
struct Row {
  float* out;
  int64_t so;
  const float* x;
  int64_t sx;
  int64_t n;
};

// In double, in lanes: vectorises, and rows of many small terms (a vocabulary) lose nothing.
double sum_of(const float* e, int64_t n) {
  constexpr int kLanes = 8;
  double lanes[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += e[j + l];
  double total = 0.0;
  for (; j < n; ++j) total += e[j];
  for (double lane : lanes) total += lane;
  return total;
}

// One row, through 2n floats of scratch: the logits plus mask are gathered into `z` and their
// exponentials go to `e`, both contiguous, so that the max, exp and sum loops vectorise whatever
// the strides of the row.
template <bool kLog, class Masked>
void softmax_row(const Row& row, const Masked& masked, float* scratch) {
  const int64_t n = row.n;
  float* z = scratch;
  float* e = scratch + n;
  for (int64_t j = 0; j < n; ++j) z[j] = masked(j, row.x[j * row.sx]);
  const float m = lane_max(z, n);
  if (m == kMinusInf) {  // every entry masked, or NaN (which the max passes over)
    const bool nan = std::any_of(z, z + n, [](float v) { return std::isnan(v); });
    const float fill = nan ? std::numeric_limits<float>::quiet_NaN() : kLog ? kMinusInf : 0.0f;
    for (int64_t j = 0; j < n; ++j) row.out[j * row.so] = fill;
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    z[j] -= m;
    e[j] = fast_exp(z[j]);
  }
  const double total = sum_of(e, n);
  if (kLog) {
    const float log_total = static_cast<float>(std::log(total));
    for (int64_t j = 0; j < n; ++j) row.out[j * row.so] = z[j] - log_total;
  } else {
    const float scale = static_cast<float>(1.0 / total);
    for (int64_t j = 0; j < n; ++j) row.out[j * row.so] = e[j] * scale;
  }
}

Shape without_axis(const Shape& v, int64_t axis) {
  Shape out = v;
  out.erase(out.begin() + axis);
  return out;
}

// Calls body(offsets, scratch) for every row along `axis` of three operands walked over `shape`,
// each with its own strides; offsets[k] is operand k's element offset of the row's first element
// and scratch holds `scratch_floats` floats for the calling thread. Rows are split across threads
// by their total length rather than their count.
template <class Body>
void for_each_row(const Shape& shape, int64_t axis, const std::array<Shape, 3>& strides,
                  int64_t scratch_floats, const Body& body) {
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, shape[axis]));
  detail::for_each_run<3>(
      without_axis(shape, axis),
      {without_axis(strides[0], axis), without_axis(strides[1], axis),
       without_axis(strides[2], axis)},
      [&](const auto& off, int64_t rows, const auto& st) {
        parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
          std::vector<float> scratch(scratch_floats);
          for (int64_t i = begin; i < end; ++i)
            body(std::array<int64_t, 3>{off[0] + i * st[0], off[1] + i * st[1], off[2] + i * st[2]},
                 scratch.data());
        });
      });
}

// dx = y * (g - sum(g * y)) along one row of n elements, at strides s (of dx, y, g); with
// kUnitStride the strides are known to be 1, which lets the loops vectorise.
template <bool kUnitStride>
void softmax_backward_row(float* dx, const float* y, const float* g,
                          const std::array<int64_t, 3>& s, int64_t n) {
  const auto at = [&](int64_t j, int k) { return kUnitStride ? j : j * s[k]; };
  const float d =
      static_cast<float>(lane_sum(n, [&](int64_t j) { return g[at(j, 2)] * y[at(j, 1)]; }));
  for (int64_t j = 0; j < n; ++j) dx[at(j, 0)] = y[at(j, 1)] * (g[at(j, 2)] - d);
}

template <bool kLog>
Tensor softmax_impl(const Tensor& x, int64_t axis, const Tensor& mask, const char* op) {
  SG_CHECK(x.defined() && x.dtype() == DType::f32, "{}: expected an f32 tensor, got {}", op,
           describe(x));
  axis = normalize_axis(axis, x.dim(), op);
  Tensor out = Tensor::empty(x.shape());
  Tensor m;  // the mask broadcast to x's shape; without a mask its strides are all zero
  Shape mask_strides(x.dim(), 0);
  if (mask.defined()) {
    SG_CHECK(mask.dtype() == DType::f32 || mask.dtype() == DType::b8,
             "{}: mask must be f32 (additive) or b8 (boolean), got {}", op,
             dtype_name(mask.dtype()));
    SG_CHECK(broadcast_shapes(x.shape(), mask.shape(), op) == x.shape(),
             "{}: mask of shape {} does not broadcast to logits of shape {}", op,
             shape_str(mask.shape()), shape_str(x.shape()));
    m = mask.expand(x.shape());
    mask_strides = m.strides();
  }
  const int64_t n = x.size(axis);
  float* o0 = out.data<float>();
  const float* x0 = x.data<float>();
  const std::byte* m0 = mask.defined() ? m.raw_data() : nullptr;
  const int64_t so = out.strides()[axis], sx = x.strides()[axis], sm = mask_strides[axis];
  for_each_row(x.shape(), axis, {out.strides(), x.strides(), mask_strides}, 2 * n,
               [&](const std::array<int64_t, 3>& off, float* scratch) {
                 const Row row{o0 + off[0], so, x0 + off[1], sx, n};
                 if (!mask.defined()) {
                   softmax_row<kLog>(
                       row, [](int64_t, float logit) { return logit; }, scratch);
                 } else if (mask.dtype() == DType::f32) {
                   const float* pm = reinterpret_cast<const float*>(m0) + off[2];
                   softmax_row<kLog>(
                       row, [&](int64_t j, float logit) { return logit + pm[j * sm]; }, scratch);
                 } else {
                   const uint8_t* pm = reinterpret_cast<const uint8_t*>(m0) + off[2];
                   // A masked entry is left out whatever its value, NaN too.
                   softmax_row<kLog>(
                       row, [&](int64_t j, float logit) { return pm[j * sm] ? kMinusInf : logit; },
                       scratch);
                 }
               });
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t axis, const Tensor& mask) {
  return softmax_impl<false>(x, axis, mask, "softmax");
}

Tensor log_softmax(const Tensor& x, int64_t axis, const Tensor& mask) {
  return softmax_impl<true>(x, axis, mask, "log_softmax");
}

Tensor softmax_backward(const Tensor& y, const Tensor& grad, int64_t axis) {
  SG_CHECK(y.defined() && grad.defined() && y.dtype() == DType::f32 && grad.dtype() == DType::f32 &&
               y.shape() == grad.shape(),
           "softmax_backward: expected f32 output and gradient of one shape");
  axis = normalize_axis(axis, y.dim(), "softmax_backward");
  Tensor dx = Tensor::empty(y.shape());
  float* d0 = dx.data<float>();
  const float* y0 = y.data<float>();
  const float* g0 = grad.data<float>();
  const std::array<int64_t, 3> s{dx.strides()[axis], y.strides()[axis], grad.strides()[axis]};
  const bool unit = s[0] == 1 && s[1] == 1 && s[2] == 1;
  const int64_t n = y.size(axis);
  for_each_row(y.shape(), axis, {dx.strides(), y.strides(), grad.strides()}, 0,
               [&](const std::array<int64_t, 3>& off, float*) {
                 if (unit)
                   softmax_backward_row<true>(d0 + off[0], y0 + off[1], g0 + off[2], s, n);
                 else
                   softmax_backward_row<false>(d0 + off[0], y0 + off[1], g0 + off[2], s, n);
               });
  return dx;
}

}  // namespace sg
