#include "synthgrad/optim/sgd.h"

#include "synthgrad/core/parallel.h"

namespace sg::optim {

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer(std::move(groups), options.lr), options_(options) {
  SG_CHECK(options.momentum >= 0.0f, "SGD: momentum {} is negative", options.momentum);
  SG_CHECK(!options.nesterov || options.momentum > 0.0f, "SGD: Nesterov needs a positive momentum");
}

void SGD::update(const ParamGroup& group, const Variable& param, std::vector<Tensor>& slots,
                 int64_t t) {
  float* p = param.data().data<float>();
  const Tensor grad = param.grad().contiguous();
  const float* g = grad.data<float>();
  float* buf = slots[0].data<float>();
  const float lr = lr_value(group), wd = group.weight_decay, mu = options_.momentum;
  const bool first = t == 1, nesterov = options_.nesterov;
  parallel_for(0, param.numel(), kParallelGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float gi = g[i] + wd * p[i];
      if (mu == 0.0f) {
        p[i] -= lr * gi;
        continue;
      }
      buf[i] = first ? gi : mu * buf[i] + gi;
      p[i] -= lr * (nesterov ? gi + mu * buf[i] : buf[i]);
    }
  });
}

}  // namespace sg::optim
