#include "synthgrad/core/normalization.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "synthgrad/core/lane_sum.h"
#include "synthgrad/core/parallel.h"

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
  LayerNormOutput out{Tensor::empty(x.shape()), Tensor::empty(stat_shape),
                      Tensor::empty(stat_shape)};
  const float* px = xc.data<float>();
  const float* pg = g.defined() ? g.data<float>() : nullptr;
  const float* pb = b.defined() ? b.data<float>() : nullptr;
  float* py = out.y.data<float>();
  float* pmean = out.mean.data<float>();
  float* prstd = out.rstd.data<float>();
  parallel_for(0, rows, std::max<int64_t>(1, kParallelGrain / d), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = px + r * d;
      const float mu = static_cast<float>(lane_sum(d, [row](int64_t j) { return row[j]; }) /
                                          static_cast<double>(d));
      const double sq = lane_sum(d, [row, mu](int64_t j) { return (row[j] - mu) * (row[j] - mu); });
      const float rstd = 1.0f / std::sqrt(static_cast<float>(sq / static_cast<double>(d)) + eps);
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

namespace {

// Rows per block of the dgamma / dbeta partial sums: blocks are summed in a fixed order, so the
// result does not depend on the thread count.
constexpr int64_t kRowsPerBlock = 32;

// One row: dx, and its terms of the dgamma / dbeta partial sums of its block. Restrict-qualified
// value parameters (and a gamma of ones for a layer norm without one, so no branch per element) let
// the compiler vectorise every loop.
void layer_norm_row_backward(const float* __restrict g, const float* __restrict x,
                             const float* __restrict gamma, float mu, float rstd, int64_t d,
                             float* __restrict dx, float* __restrict dgamma,
                             float* __restrict dbeta) {
  const double inv_d = 1.0 / static_cast<double>(d);
  const float mean_g =
      static_cast<float>(lane_sum(d, [=](int64_t j) { return g[j] * gamma[j]; }) * inv_d);
  const float mean_gx = static_cast<float>(
      lane_sum(d, [=](int64_t j) { return g[j] * gamma[j] * (x[j] - mu) * rstd; }) * inv_d);
  for (int64_t j = 0; j < d; ++j) {
    dx[j] = rstd * (g[j] * gamma[j] - mean_g - (x[j] - mu) * rstd * mean_gx);
    dgamma[j] += g[j] * (x[j] - mu) * rstd;
    dbeta[j] += g[j];
  }
}

}  // namespace

LayerNormGrads layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& gamma,
                                   const Tensor& mean, const Tensor& rstd) {
  SG_CHECK(grad.shape() == x.shape(), "layer_norm_backward: gradient {} for input {}",
           shape_str(grad.shape()), shape_str(x.shape()));
  const int64_t d = x.size(-1);
  check_affine(gamma, d, x.shape(), "gamma");
  const Tensor gc = grad.contiguous(), xc = x.contiguous();
  const Tensor gammac = gamma.defined() ? gamma.contiguous() : gamma;
  const int64_t rows = x.numel() / d;
  const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  LayerNormGrads out{Tensor::empty(x.shape()), Tensor::empty({d}), Tensor::empty({d})};
  std::vector<float> partial_gamma(blocks * d, 0.0f), partial_beta(blocks * d, 0.0f);
  const float* pg = gc.data<float>();
  const float* px = xc.data<float>();
  const std::vector<float> ones(gammac.defined() ? 0 : d, 1.0f);
  const float* pgamma = gammac.defined() ? gammac.data<float>() : ones.data();
  const Tensor meanc = mean.contiguous(), rstdc = rstd.contiguous();
  const float* pmean = meanc.data<float>();
  const float* prstd = rstdc.data<float>();
  float* pdx = out.dx.data<float>();
  parallel_for(0, blocks, std::max<int64_t>(1, kParallelGrain / (d * kRowsPerBlock)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t b = begin; b < end; ++b) {
                   float* dgamma = partial_gamma.data() + b * d;
                   float* dbeta = partial_beta.data() + b * d;
                   for (int64_t r = b * kRowsPerBlock; r < std::min(rows, (b + 1) * kRowsPerBlock);
                        ++r) {
                     layer_norm_row_backward(pg + r * d, px + r * d, pgamma, pmean[r], prstd[r], d,
                                             pdx + r * d, dgamma, dbeta);
                   }
                 }
               });
  float* dgamma = out.dgamma.data<float>();
  float* dbeta = out.dbeta.data<float>();
  std::fill_n(dgamma, d, 0.0f);
  std::fill_n(dbeta, d, 0.0f);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t j = 0; j < d; ++j) {
      dgamma[j] += partial_gamma[b * d + j];
      dbeta[j] += partial_beta[b * d + j];
    }
  if (!gamma.defined()) out.dgamma = Tensor();
  return out;
}

}  // namespace sg
