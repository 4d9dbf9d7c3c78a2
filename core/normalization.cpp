#include "synthgrad/core/normalization.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "synthgrad/core/lane_sum.h"
#include "synthgrad/core/parallel.h"

namespace sg {

namespace {

void check_affine(const char* op, const Tensor& p, int64_t d, const Shape& x_shape,
                  const char* name) {
  if (!p.defined()) return;
  SG_CHECK(p.dtype() == DType::f32 && p.dim() == 1 && p.size(0) == d,
           "{}: {} has shape {}, expected [{}] for input of shape {}", op, name,
           shape_str(p.shape()), d, shape_str(x_shape));
}

}  // namespace

void check_layer_norm_inputs(const char* op, const Shape& shape, const Tensor& gamma,
                             const Tensor& beta) {
  SG_CHECK(!shape.empty(), "{}: expected a tensor of rank >= 1, got a scalar", op);
  SG_CHECK(shape.back() > 0, "{}: last axis of shape {} is empty", op, shape_str(shape));
  check_affine(op, gamma, shape.back(), shape, "gamma");
  check_affine(op, beta, shape.back(), shape, "beta");
}

namespace {

const float* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<float>() : nullptr;
}

// One row: its statistics, then y = (x - mean) * rstd * gamma + beta.
void layer_norm_row(const float* x, const float* gamma, const float* beta, float eps, int64_t d,
                    float* y, float& mean, float& rstd) {
  const float mu =
      static_cast<float>(lane_sum(d, [x](int64_t j) { return x[j]; }) / static_cast<double>(d));
  const double sq = lane_sum(d, [x, mu](int64_t j) { return (x[j] - mu) * (x[j] - mu); });
  const float r = 1.0f / std::sqrt(static_cast<float>(sq / static_cast<double>(d)) + eps);
  mean = mu;
  rstd = r;
  for (int64_t j = 0; j < d; ++j) {
    const float v = (x[j] - mu) * r;
    y[j] = (gamma ? v * gamma[j] : v) + (beta ? beta[j] : 0.0f);
  }
}

// The layer norm of rows of `shape`'s last axis, row r read from row_input(r, scratch) (scratch
// holds the row's last axis when `scratch` is set, for an input computed on the fly).
template <class RowInput>
LayerNormOutput layer_norm_rows(const char* op, const Shape& shape, const Tensor& gamma,
                                const Tensor& beta, float eps, bool scratch,
                                const RowInput& row_input) {
  check_layer_norm_inputs(op, shape, gamma, beta);
  // A negative or NaN eps gives NaN rows without a word.
  SG_CHECK(eps > 0.0f && std::isfinite(eps), "{}: eps {} must be finite and > 0", op, eps);
  const int64_t d = shape.back();
  const Tensor g = contiguous_or_none(gamma), b = contiguous_or_none(beta);
  const Shape stat_shape(shape.begin(), shape.end() - 1);
  LayerNormOutput out{Tensor::empty(shape), Tensor::empty(stat_shape), Tensor::empty(stat_shape)};
  const float* pg = data_or_null(g);
  const float* pb = data_or_null(b);
  float* py = out.y.data<float>();
  float* pmean = out.mean.data<float>();
  float* prstd = out.rstd.data<float>();
  parallel_for(0, out.mean.numel(), std::max<int64_t>(1, kParallelGrain / d),
               [&](int64_t begin, int64_t end) {
                 std::vector<float> row_scratch(scratch ? d : 0);
                 for (int64_t r = begin; r < end; ++r)
                   layer_norm_row(row_input(r, row_scratch.data()), pg, pb, eps, d, py + r * d,
                                  pmean[r], prstd[r]);
               });
  return out;
}

}  // namespace

LayerNormOutput layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  SG_CHECK(x.defined() && x.dtype() == DType::f32 && x.dim() >= 1,
           "layer_norm: expected an f32 tensor of rank >= 1, got {}", describe(x));
  const Tensor xc = x.contiguous();
  const float* px = xc.data<float>();
  const int64_t d = x.size(-1);
  return layer_norm_rows("layer_norm", x.shape(), gamma, beta, eps, false,
                         [px, d](int64_t r, float*) { return px + r * d; });
}

namespace {

// The row loops of the fused kernels, with restrict-qualified pointers so that they vectorise
// without overlap checks.
void add_row(const float* __restrict a, const float* __restrict b, float* __restrict out,
             int64_t d) {
  for (int64_t j = 0; j < d; ++j) out[j] = a[j] + b[j];
}

void add_masked_row(const float* __restrict a, const float* __restrict b,
                    const float* __restrict factors, float* __restrict out, int64_t d) {
  for (int64_t j = 0; j < d; ++j) out[j] = a[j] + b[j] * factors[j];
}

void add_to_row(float* __restrict x, const float* __restrict addend, int64_t d) {
  for (int64_t j = 0; j < d; ++j) x[j] += addend[j];
}

void mask_row(const float* __restrict x, const float* __restrict factors, float* __restrict out,
              int64_t d) {
  for (int64_t j = 0; j < d; ++j) out[j] = x[j] * factors[j];
}

}  // namespace

AddLayerNormOutput add_layer_norm(const Tensor& residual, const Tensor& branch,
                                  const DropoutMask* mask, const Tensor& gamma, const Tensor& beta,
                                  float eps) {
  SG_CHECK(residual.defined() && branch.defined() && residual.dtype() == DType::f32 &&
               branch.dtype() == DType::f32 && residual.dim() >= 1,
           "add_layer_norm: expected f32 tensors of rank >= 1");
  SG_CHECK(residual.shape() == branch.shape(),
           "add_layer_norm: residual {} and branch {} differ in shape", shape_str(residual.shape()),
           shape_str(branch.shape()));
  SG_CHECK(mask == nullptr || mask->numel == branch.numel(),
           "add_layer_norm: branch {} for a dropout mask of {} elements", shape_str(branch.shape()),
           mask ? mask->numel : 0);
  const Tensor rc = residual.contiguous(), bc = branch.contiguous();
  Tensor sum = Tensor::empty(residual.shape());
  const float* pr = rc.data<float>();
  const float* pb = bc.data<float>();
  float* ps = sum.data<float>();
  const int64_t d = residual.size(-1);
  LayerNormOutput norm =
      layer_norm_rows("add_layer_norm", residual.shape(), gamma, beta, eps, mask != nullptr,
                      [=](int64_t r, float* factors) {
                        if (mask == nullptr) {
                          add_row(pr + r * d, pb + r * d, ps + r * d, d);
                        } else {
                          dropout_factors(*mask, r * d, d, factors);
                          add_masked_row(pr + r * d, pb + r * d, factors, ps + r * d, d);
                        }
                        return static_cast<const float*>(ps + r * d);
                      });
  return {std::move(sum), std::move(norm)};
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

// The layer norm's backward over rows; after row r's dx is written, row_done(r, dx_row, scratch)
// may add to it or derive further gradients from it while the row is in cache (with a scratch row
// when `scratch` is set).
template <class RowDone>
LayerNormGrads layer_norm_backward_rows(const char* op, const Tensor& grad, const Tensor& x,
                                        const Tensor& gamma, const Tensor& mean, const Tensor& rstd,
                                        bool scratch, const RowDone& row_done) {
  SG_CHECK(grad.defined() && grad.shape() == x.shape(), "{}: gradient {} for input {}", op,
           grad.defined() ? shape_str(grad.shape()) : "undefined", shape_str(x.shape()));
  check_layer_norm_inputs(op, x.shape(), gamma, Tensor());
  const int64_t d = x.size(-1);
  const Tensor gc = grad.contiguous(), xc = x.contiguous(), gammac = contiguous_or_none(gamma);
  const int64_t rows = x.numel() / d;
  // Statistics of another call would be read past their end.
  for (const Tensor* stat : {&mean, &rstd})
    SG_CHECK(stat->defined() && stat->dtype() == DType::f32 && stat->numel() == rows,
             "{}: mean and rstd must be f32 with one value per row of input {} ({} rows), got {}",
             op, shape_str(x.shape()), rows, describe(*stat));
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
                 std::vector<float> row_scratch(scratch ? d : 0);
                 for (int64_t b = begin; b < end; ++b) {
                   float* dgamma = partial_gamma.data() + b * d;
                   float* dbeta = partial_beta.data() + b * d;
                   for (int64_t r = b * kRowsPerBlock; r < std::min(rows, (b + 1) * kRowsPerBlock);
                        ++r) {
                     layer_norm_row_backward(pg + r * d, px + r * d, pgamma, pmean[r], prstd[r], d,
                                             pdx + r * d, dgamma, dbeta);
                     row_done(r, pdx + r * d, row_scratch.data());
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

}  // namespace

LayerNormGrads layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& gamma,
                                   const Tensor& mean, const Tensor& rstd) {
  return layer_norm_backward_rows("layer_norm_backward", grad, x, gamma, mean, rstd, false,
                                  [](int64_t, float*, float*) {});
}

AddLayerNormGrads add_layer_norm_backward(const Tensor& grad_sum, const Tensor& grad_norm,
                                          const Tensor& sum, const Tensor& gamma,
                                          const Tensor& mean, const Tensor& rstd,
                                          const DropoutMask* mask) {
  SG_CHECK(!grad_sum.defined() || grad_sum.shape() == sum.shape(),
           "add_layer_norm_backward: gradient {} for a sum of shape {}",
           shape_str(grad_sum.shape()), shape_str(sum.shape()));
  SG_CHECK(mask == nullptr || mask->numel == sum.numel(),
           "add_layer_norm_backward: sum {} for a dropout mask of {} elements",
           shape_str(sum.shape()), mask ? mask->numel : 0);
  const Tensor gsc = contiguous_or_none(grad_sum);
  const float* pgs = data_or_null(gsc);
  Tensor dbranch = mask ? Tensor::empty(sum.shape()) : Tensor();
  float* pdb = mask ? dbranch.data<float>() : nullptr;
  const int64_t d = sum.size(-1);
  LayerNormGrads norm =
      layer_norm_backward_rows("add_layer_norm_backward", grad_norm, sum, gamma, mean, rstd,
                               mask != nullptr, [=](int64_t r, float* dx, float* factors) {
                                 if (pgs != nullptr) add_to_row(dx, pgs + r * d, d);
                                 if (mask == nullptr) return;
                                 dropout_factors(*mask, r * d, d, factors);
                                 mask_row(dx, factors, pdb + r * d, d);
                               });
  // Without dropout both inputs of the sum get the same gradient: one tensor, shared.
  if (!mask) dbranch = norm.dx;
  return {norm.dx, std::move(dbranch), std::move(norm.dgamma), std::move(norm.dbeta)};
}

}  // namespace sg
