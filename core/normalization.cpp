#include "core/normalization.h"

#include <cmath>

#include "core/parallel.h"

namespace sg {

namespace {

void check_affine(const Tensor& p, int64_t d, const Shape& x_shape, const char* name) {
  if (!p.defined()) return;
  SG_CHECK(p.dtype() == DType::f32 && p.dim() == 1 && p.size(0) == d,
           "layer_norm: {} has shape {}, expected [{}] for input of shape {}", name,
           shape_str(p.shape()), d, shape_str(x_shape));
}

}  // namespace

LayerNormOutput layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  SG_CHECK(x.defined() && x.dtype() == DType::f32 && x.dim() >= 1,
           "layer_norm: expected an f32 tensor of rank >= 1");
  const int64_t d = x.size(-1);
  SG_CHECK(d > 0, "layer_norm: last axis of shape {} is empty", shape_str(x.shape()));
  check_affine(gamma, d, x.shape(), "gamma");
  check_affine(beta, d, x.shape(), "beta");
  const Tensor xc = x.contiguous();
  const Tensor g = gamma.defined() ? gamma.contiguous() : gamma;
  const Tensor b = beta.defined() ? beta.contiguous() : beta;
  const int64_t rows = x.numel() / d;
  Shape stat_shape(x.shape().begin(), x.shape().end() - 1);
  LayerNormOutput out{Tensor::empty(x.shape()), Tensor::empty(stat_shape), Tensor::empty(stat_shape)};
  const float* px = xc.data<float>();
  const float* pg = g.defined() ? g.data<float>() : nullptr;
  const float* pb = b.defined() ? b.data<float>() : nullptr;
  float* py = out.y.data<float>();
  float* pmean = out.mean.data<float>();
  float* prstd = out.rstd.data<float>();
  parallel_for(0, rows, std::max<int64_t>(1, kParallelGrain / d), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = px + r * d;
      float sum = 0.0f;
      for (int64_t j = 0; j < d; ++j) sum += row[j];
      const float mu = sum / static_cast<float>(d);
      float sq = 0.0f;
      for (int64_t j = 0; j < d; ++j) sq += (row[j] - mu) * (row[j] - mu);
      const float rstd = 1.0f / std::sqrt(sq / static_cast<float>(d) + eps);
      pmean[r] = mu;
      prstd[r] = rstd;
      float* y = py + r * d;
      for (int64_t j = 0; j < d; ++j) {
        float v = (row[j] - mu) * rstd;
        y[j] = (pg ? v * pg[j] : v) + (pb ? pb[j] : 0.0f);
      }
    }
  });
  return out;
}

}  // namespace sg
