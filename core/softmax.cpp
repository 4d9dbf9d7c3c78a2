#include "core/softmax.h"

#include <cmath>
#include <limits>

#include "core/strided_loop.h"

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

template <bool kLog, class MaskAt>
void softmax_row(const Row& row, const MaskAt& mask_at) {
  float m = kMinusInf;
  for (int64_t j = 0; j < row.n; ++j) m = std::max(m, row.x[j * row.sx] + mask_at(j));
  if (m == kMinusInf) {
    for (int64_t j = 0; j < row.n; ++j) row.out[j * row.so] = kLog ? kMinusInf : 0.0f;
    return;
  }
  double total = 0.0;
  for (int64_t j = 0; j < row.n; ++j) {
    float e = std::exp(row.x[j * row.sx] + mask_at(j) - m);
    row.out[j * row.so] = e;
    total += e;
  }
  if (kLog) {
    const float log_total = static_cast<float>(std::log(total));
    for (int64_t j = 0; j < row.n; ++j)
      row.out[j * row.so] = row.x[j * row.sx] + mask_at(j) - m - log_total;
  } else {
    const float scale = static_cast<float>(1.0 / total);
    for (int64_t j = 0; j < row.n; ++j) row.out[j * row.so] *= scale;
  }
}

Shape without_axis(const Shape& v, int64_t axis) {
  Shape out = v;
  out.erase(out.begin() + axis);
  return out;
}

template <bool kLog>
Tensor softmax_impl(const Tensor& x, int64_t axis, const Tensor& mask, const char* op) {
  SG_CHECK(x.defined() && x.dtype() == DType::f32, "{}: expected a defined f32 tensor", op);
  axis = normalize_axis(axis, x.dim(), op);
  Tensor out = Tensor::empty(x.shape());
  Tensor m;  // the mask broadcast to x's shape; without a mask its strides are all zero
  Shape mask_strides(x.dim(), 0);
  if (mask.defined()) {
    SG_CHECK(mask.dtype() == DType::f32 || mask.dtype() == DType::b8,
             "{}: mask must be f32 (additive) or b8 (boolean), got {}", op, dtype_name(mask.dtype()));
    SG_CHECK(broadcast_shapes(x.shape(), mask.shape(), op) == x.shape(),
             "{}: mask of shape {} does not broadcast to logits of shape {}", op,
             shape_str(mask.shape()), shape_str(x.shape()));
    m = mask.expand(x.shape());
    mask_strides = m.strides();
  }
  const int64_t n = x.size(axis);
  const Shape outer = without_axis(x.shape(), axis);
  float* o0 = out.data<float>();
  const float* x0 = x.data<float>();
  const std::byte* m0 = mask.defined() ? m.raw_data() : nullptr;
  const int64_t so = out.strides()[axis], sx = x.strides()[axis], sm = mask_strides[axis];
  detail::for_each_run<3>(
      outer, {without_axis(out.strides(), axis), without_axis(x.strides(), axis), without_axis(mask_strides, axis)},
      [&](const auto& off, int64_t runs, const auto& st) {
        for (int64_t i = 0; i < runs; ++i) {
          Row row{o0 + off[0] + i * st[0], so, x0 + off[1] + i * st[1], sx, n};
          const int64_t mo = off[2] + i * st[2];
          if (!mask.defined()) {
            softmax_row<kLog>(row, [](int64_t) { return 0.0f; });
          } else if (mask.dtype() == DType::f32) {
            const float* pm = reinterpret_cast<const float*>(m0) + mo;
            softmax_row<kLog>(row, [&](int64_t j) { return pm[j * sm]; });
          } else {
            const uint8_t* pm = reinterpret_cast<const uint8_t*>(m0) + mo;
            softmax_row<kLog>(row, [&](int64_t j) { return pm[j * sm] ? kMinusInf : 0.0f; });
          }
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

}  // namespace sg
