#include "synthgrad/core/elementwise.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "synthgrad/core/dropout_mask.h"
#include "synthgrad/core/fast_math.h"
#include "synthgrad/core/simd_dispatch.h"
#include "synthgrad/core/strided_loop.h"

namespace sg {

namespace {

void check_f32(const Tensor& x, const char* op) {
  SG_CHECK(x.defined(), "{}: the tensor is undefined", op);
  SG_CHECK(x.dtype() == DType::f32, "{}: expected an f32 tensor, got {} of shape {}", op,
           dtype_name(x.dtype()), shape_str(x.shape()));
}

template <class F>
Tensor map_unary(const Tensor& x, const char* op, const F& f) {
  check_f32(x, op);
  Tensor out = Tensor::empty(x.shape());
  float* o = out.data<float>();
  const float* a = x.data<float>();
  detail::for_each_run<2>(x.shape(), {out.strides(), x.strides()},
                          [&](const auto& off, int64_t n, const auto& st) {
                            float* po = o + off[0];
                            const float* pa = a + off[1];
                            if (st[1] == 1) {
                              for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i]);
                            } else {
                              for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * st[1]]);
                            }
                          });
  return out;
}

// The inner loops are specialised for the layouts that dominate: both contiguous, or one operand
// broadcast along the run (stride 0), so that the compiler vectorises them.
template <class Out, class F>
Tensor map_binary(const Tensor& a, const Tensor& b, const char* op, const F& f) {
  check_f32(a, op);
  check_f32(b, op);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  const Tensor ea = a.expand(shape), eb = b.expand(shape);
  Tensor out = Tensor::empty(shape, dtype_of<Out>());
  Out* o = out.data<Out>();
  const float* pa0 = ea.data<float>();
  const float* pb0 = eb.data<float>();
  detail::for_each_run<3>(shape, {out.strides(), ea.strides(), eb.strides()},
                          [&](const auto& off, int64_t n, const auto& st) {
                            Out* po = o + off[0];
                            const float* pa = pa0 + off[1];
                            const float* pb = pb0 + off[2];
                            if (st[1] == 1 && st[2] == 1) {
                              for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
                            } else if (st[1] == 1 && st[2] == 0) {
                              const float vb = *pb;
                              for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], vb);
                            } else if (st[1] == 0 && st[2] == 1) {
                              const float va = *pa;
                              for (int64_t i = 0; i < n; ++i) po[i] = f(va, pb[i]);
                            } else {
                              for (int64_t i = 0; i < n; ++i)
                                po[i] = f(pa[i * st[1]], pb[i * st[2]]);
                            }
                          });
  return out;
}

// Applies dst[i] = f(dst[i], src[i]) with src broadcast to dst's shape.
template <class F>
void update_inplace(const Tensor& dst, const Tensor& src, const char* op, const F& f) {
  check_f32(dst, op);
  check_f32(src, op);
  SG_CHECK(broadcast_shapes(dst.shape(), src.shape(), op) == dst.shape(),
           "{}: source of shape {} does not broadcast to destination shape {}", op,
           shape_str(src.shape()), shape_str(dst.shape()));
  check_writable(dst, op);
  const Tensor es = readable_while_writing(dst, src).expand(dst.shape());
  float* d0 = dst.data<float>();
  const float* s0 = es.data<float>();
  detail::for_each_run<2>(dst.shape(), {dst.strides(), es.strides()},
                          [&](const auto& off, int64_t n, const auto& st) {
                            float* pd = d0 + off[0];
                            const float* ps = s0 + off[1];
                            if (st[0] == 1 && st[1] == 1) {
                              for (int64_t i = 0; i < n; ++i) pd[i] = f(pd[i], ps[i]);
                            } else {
                              for (int64_t i = 0; i < n; ++i)
                                pd[i * st[0]] = f(pd[i * st[0]], ps[i * st[1]]);
                            }
                          });
}

// Applies dst[i] = f(dst[i]).
template <class F>
void apply_inplace(const Tensor& dst, const char* op, const F& f) {
  check_f32(dst, op);
  check_writable(dst, op);
  float* d0 = dst.data<float>();
  detail::for_each_run<1>(dst.shape(), {dst.strides()},
                          [&](const auto& off, int64_t n, const auto& st) {
                            float* pd = d0 + off[0];
                            for (int64_t i = 0; i < n; ++i) pd[i * st[0]] = f(pd[i * st[0]]);
                          });
}

}  // namespace

Tensor neg(const Tensor& x) {
  return map_unary(x, "neg", [](float v) { return -v; });
}
Tensor exp(const Tensor& x) {
  return map_unary(x, "exp", [](float v) { return fast_exp(v); });
}
Tensor log(const Tensor& x) {
  return map_unary(x, "log", [](float v) { return std::log(v); });
}
Tensor sqrt(const Tensor& x) {
  return map_unary(x, "sqrt", [](float v) { return std::sqrt(v); });
}
Tensor tanh(const Tensor& x) {
  return map_unary(x, "tanh", [](float v) { return std::tanh(v); });
}
Tensor abs(const Tensor& x) {
  return map_unary(x, "abs", [](float v) { return std::fabs(v); });
}
Tensor relu(const Tensor& x) {
  return map_unary(x, "relu", [](float v) { return v < 0.0f ? 0.0f : v; });  // NaN stays NaN
}
Tensor sigmoid(const Tensor& x) {
  return map_unary(x, "sigmoid", [](float v) { return 1.0f / (1.0f + fast_exp(-v)); });
}
// Naively, exp(x) overflows float above x = 88.7 and 1 + exp(x) rounds to 1 below x = -16.6,
// where the answer is about exp(x). Taking out max(x, 0) leaves exp(-|x|) in (0, 1], and log1p
// keeps its digits when it is tiny.
Tensor softplus(const Tensor& x) {
  return map_unary(x, "softplus",
                   [](float v) { return std::max(v, 0.0f) + std::log1p(std::exp(-std::fabs(v))); });
}
namespace {

// GELU's loops over n elements, with the dropout mask's factors (or null) applied as the
// composition with dropout would. Written out rather than passed to map_unary as lambdas, which
// left the inlined erf unvectorised, and also compiled for AVX-512 (core/simd_dispatch.h): the erf
// polynomial is most of a training step's element-wise arithmetic, and 16 lanes take half the time
// of 8, with the same bits.
SG_ALSO_FOR_AVX512 void gelu_range(const float* x, const float* factors, float* out, int64_t n) {
  if (factors == nullptr)
    for (int64_t i = 0; i < n; ++i) out[i] = fast_gelu(x[i]);
  else
    for (int64_t i = 0; i < n; ++i) out[i] = fast_gelu(x[i]) * factors[i];
}

// The factor on the gradient first, as dropout's backward does before GELU's.
SG_ALSO_FOR_AVX512 void gelu_backward_range(const float* x, const float* g, const float* factors,
                                            float* out, int64_t n) {
  if (factors == nullptr)
    for (int64_t i = 0; i < n; ++i) out[i] = g[i] * fast_gelu_derivative(x[i]);
  else
    for (int64_t i = 0; i < n; ++i) out[i] = (g[i] * factors[i]) * fast_gelu_derivative(x[i]);
}

// Calls range(start, count, factors) on parallel chunks of [0, numel), with the mask's factors of
// each chunk when there is a mask and null otherwise.
template <class Range>
void over_chunks(int64_t numel, const DropoutMask* mask, const Range& range) {
  if (mask != nullptr) {
    detail::for_each_dropout_chunk(*mask, range);
    return;
  }
  parallel_for(0, numel, kParallelGrain,
               [&](int64_t begin, int64_t end) { range(begin, end - begin, nullptr); });
}

Tensor gelu_with(const Tensor& x, const DropoutMask* mask) {
  const Tensor cx = x.contiguous();
  Tensor out = Tensor::empty(x.shape());
  const float* px = cx.data<float>();
  float* po = out.data<float>();
  over_chunks(x.numel(), mask, [=](int64_t start, int64_t n, const float* factors) {
    gelu_range(px + start, factors, po + start, n);
  });
  return out;
}

void check_gelu_backward(const Tensor& x, const Tensor& grad) {
  check_f32(x, "gelu_backward");
  check_f32(grad, "gelu_backward");
  SG_CHECK(x.shape() == grad.shape(), "gelu_backward: input {} and gradient {} differ in shape",
           shape_str(x.shape()), shape_str(grad.shape()));
}

Tensor gelu_backward_with(const Tensor& x, const Tensor& grad, const DropoutMask* mask) {
  const Tensor cx = x.contiguous(), cg = grad.contiguous();
  Tensor out = Tensor::empty(x.shape());
  const float* px = cx.data<float>();
  const float* pg = cg.data<float>();
  float* po = out.data<float>();
  over_chunks(x.numel(), mask, [=](int64_t start, int64_t n, const float* factors) {
    gelu_backward_range(px + start, pg + start, factors, po + start, n);
  });
  return out;
}

}  // namespace

Tensor gelu(const Tensor& x) {
  check_f32(x, "gelu");
  return gelu_with(x, nullptr);
}

Tensor gelu(const Tensor& x, const DropoutMask& mask) {
  check_f32(x, "gelu with dropout");
  SG_CHECK(x.numel() == mask.numel, "gelu with dropout: input {} for a mask of {} elements",
           shape_str(x.shape()), mask.numel);
  return gelu_with(x, &mask);
}

Tensor gelu_backward(const Tensor& x, const Tensor& grad) {
  check_gelu_backward(x, grad);
  return gelu_backward_with(x, grad, nullptr);
}

Tensor gelu_backward(const Tensor& x, const Tensor& grad, const DropoutMask& mask) {
  check_gelu_backward(x, grad);
  SG_CHECK(x.numel() == mask.numel,
           "gelu_backward with dropout: input {} for a mask of {} elements", shape_str(x.shape()),
           mask.numel);
  return gelu_backward_with(x, grad, &mask);
}

Tensor add(const Tensor& x, const Tensor& y, const DropoutMask& mask) {
  check_f32(x, "add with dropout");
  check_f32(y, "add with dropout");
  SG_CHECK(x.shape() == y.shape() && y.numel() == mask.numel,
           "add with dropout: {} and {} with a mask of {} elements (shapes must be equal)",
           shape_str(x.shape()), shape_str(y.shape()), mask.numel);
  const Tensor cx = x.contiguous(), cy = y.contiguous();
  Tensor out = Tensor::empty(x.shape());
  detail::write_with_dropout(mask, out.data<float>(),
                             [px = cx.data<float>(), py = cy.data<float>()](int64_t i, float f) {
                               return px[i] + py[i] * f;
                             });
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) {
  return map_binary<float>(a, b, "add", [](float x, float y) { return x + y; });
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return map_binary<float>(a, b, "sub", [](float x, float y) { return x - y; });
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return map_binary<float>(a, b, "mul", [](float x, float y) { return x * y; });
}
Tensor div(const Tensor& a, const Tensor& b) {
  return map_binary<float>(a, b, "div", [](float x, float y) { return x / y; });
}
Tensor pow(const Tensor& a, const Tensor& b) {
  return map_binary<float>(a, b, "pow", [](float x, float y) { return std::pow(x, y); });
}
Tensor maximum(const Tensor& a, const Tensor& b) {
  // NaN in either argument gives NaN (std::max's answer depends on their order).
  return map_binary<float>(a, b, "maximum",
                           [](float x, float y) { return x > y || std::isnan(x) ? x : y; });
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return map_binary<float>(a, b, "minimum",
                           [](float x, float y) { return x < y || std::isnan(x) ? x : y; });
}

Tensor add(const Tensor& a, float b) {
  return map_unary(a, "add", [b](float v) { return v + b; });
}
Tensor mul(const Tensor& a, float b) {
  return map_unary(a, "mul", [b](float v) { return v * b; });
}
Tensor pow(const Tensor& a, float exponent) {
  if (exponent == 2.0f) return map_unary(a, "pow", [](float v) { return v * v; });
  return map_unary(a, "pow", [exponent](float v) { return std::pow(v, exponent); });
}

Tensor eq(const Tensor& a, const Tensor& b) {
  return map_binary<uint8_t>(a, b, "eq", [](float x, float y) -> uint8_t { return x == y; });
}
Tensor lt(const Tensor& a, const Tensor& b) {
  return map_binary<uint8_t>(a, b, "lt", [](float x, float y) -> uint8_t { return x < y; });
}
Tensor gt(const Tensor& a, const Tensor& b) {
  return map_binary<uint8_t>(a, b, "gt", [](float x, float y) -> uint8_t { return x > y; });
}

void add_inplace(const Tensor& dst, const Tensor& src, float alpha) {
  if (alpha == 1.0f)
    return update_inplace(dst, src, "add_inplace", [](float d, float s) { return d + s; });
  update_inplace(dst, src, "add_inplace", [alpha](float d, float s) { return d + alpha * s; });
}

void mul_inplace(const Tensor& dst, float factor) {
  apply_inplace(dst, "mul_inplace", [factor](float d) { return d * factor; });
}

void fill_inplace(const Tensor& dst, float value) {
  apply_inplace(dst, "fill_inplace", [value](float) { return value; });
}

}  // namespace sg
