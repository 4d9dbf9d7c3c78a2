#pragma once
#include "synthgrad/optim/optimizer.h"

namespace sg::optim {

struct SGDOptions {
  float lr = 0.01f;
  float momentum = 0.0f;
  bool nesterov = false;
};

// PyTorch's SGD: g += wd p; buf = momentum buf + g (buf = g on the first step);
// p -= lr (nesterov ? g + momentum buf : buf). Weight decay comes from each group.
class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options);

 protected:
  RangeUpdate update(const ParamGroup& group, const Variable& param,
                     const std::vector<Tensor>& slots, int64_t t) override;
  std::vector<std::string> slot_names() const override { return {"momentum_buffer"}; }

 private:
  SGDOptions options_;
};

}  // namespace sg::optim
