#include "synthgrad/optim/adam.h"

#include <cmath>

namespace sg::optim {

namespace {

struct AdamStep {
  float b1, b2, eps, l2, shrink, step_size, sqrt_bc2;
};

// One pass over n parameters. Restrict-qualified value parameters tell the compiler the four
// buffers are distinct, so the loop is vectorised without overlap checks.
void adam_update_range(AdamStep s, float* __restrict p, const float* __restrict g,
                       float* __restrict m, float* __restrict v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] + s.l2 * p[i];
    m[i] = s.b1 * m[i] + (1.0f - s.b1) * gi;
    v[i] = s.b2 * v[i] + (1.0f - s.b2) * gi * gi;
    p[i] = p[i] * s.shrink - s.step_size * m[i] / (std::sqrt(v[i]) / s.sqrt_bc2 + s.eps);
  }
}

}  // namespace

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Optimizer(std::move(groups), options.lr), options_(options) {
  SG_CHECK(options.beta1 >= 0.0f && options.beta1 < 1.0f && options.beta2 >= 0.0f &&
               options.beta2 < 1.0f && options.eps > 0.0f && std::isfinite(options.eps),
           "Adam: betas ({}, {}) must lie in [0, 1) and eps {} be positive and finite",
           options.beta1, options.beta2, options.eps);
}

Optimizer::RangeUpdate Adam::update(const ParamGroup& group, const Variable& param,
                                    const std::vector<Tensor>& slots, int64_t t) {
  const float lr = lr_value(group), wd = group.weight_decay;
  const float b1 = options_.beta1, b2 = options_.beta2, eps = options_.eps;
  const double td = static_cast<double>(t);
  const float step_size = static_cast<float>(lr / (1.0 - std::pow(static_cast<double>(b1), td)));
  const float sqrt_bc2 = static_cast<float>(std::sqrt(1.0 - std::pow(static_cast<double>(b2), td)));
  const float shrink = options_.decoupled_weight_decay ? 1.0f - lr * wd : 1.0f;
  const float l2 = options_.decoupled_weight_decay ? 0.0f : wd;
  const AdamStep step{b1, b2, eps, l2, shrink, step_size, sqrt_bc2};
  return [step, p = param.data(), g = param.grad().contiguous(), m = slots[0], v = slots[1]](
             int64_t begin, int64_t end) {
    adam_update_range(step, p.data<float>() + begin, g.data<float>() + begin,
                      m.data<float>() + begin, v.data<float>() + begin, end - begin);
  };
}

}  // namespace sg::optim
