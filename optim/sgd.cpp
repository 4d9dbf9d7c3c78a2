#include "synthgrad/optim/sgd.h"

#include <cmath>

namespace sg::optim {

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer(std::move(groups), options.lr), options_(options) {
  SG_CHECK(std::isfinite(options.momentum) && options.momentum >= 0.0f,
           "SGD: momentum {} must be finite and >= 0", options.momentum);
  SG_CHECK(!options.nesterov || options.momentum > 0.0f, "SGD: Nesterov needs a positive momentum");
}

Optimizer::RangeUpdate SGD::update(const ParamGroup& group, const Variable& param,
                                   const std::vector<Tensor>& slots, int64_t t) {
  const float lr = lr_value(group), wd = group.weight_decay, mu = options_.momentum;
  const bool first = t == 1, nesterov = options_.nesterov;
  return [=, p = param.data(), g = param.grad().contiguous(), b = slots[0]](int64_t begin,
                                                                            int64_t end) {
    float* pp = p.data<float>();
    const float* pg = g.data<float>();
    float* buf = b.data<float>();
    for (int64_t i = begin; i < end; ++i) {
      const float gi = pg[i] + wd * pp[i];
      if (mu == 0.0f) {
        pp[i] -= lr * gi;
        continue;
      }
      buf[i] = first ? gi : mu * buf[i] + gi;
      pp[i] -= lr * (nesterov ? gi + mu * buf[i] : buf[i]);
    }
  };
}

}  // namespace sg::optim
