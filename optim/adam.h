#pragma once
#include "synthgrad/optim/optimizer.h"

namespace sg::optim {

struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  // AdamW (Loshchilov & Hutter): decay shrinks the weights directly, p *= 1 - lr wd, instead of
  // being added to the gradient where the adaptive scaling would weaken it.
  bool decoupled_weight_decay = false;
};

// Adam with bias correction, as PyTorch computes it; weight decay comes from each group.
class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options);

 protected:
  RangeUpdate update(const ParamGroup& group, const Variable& param,
                     const std::vector<Tensor>& slots, int64_t t) override;
  std::vector<std::string> slot_names() const override { return {"exp_avg", "exp_avg_sq"}; }

 private:
  AdamOptions options_;
};

// Adam with decoupled weight decay.
inline Adam AdamW(std::vector<ParamGroup> groups, AdamOptions options) {
  options.decoupled_weight_decay = true;
  return Adam(std::move(groups), options);
}

}  // namespace sg::optim
