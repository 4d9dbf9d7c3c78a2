#pragma once
#include "synthgrad/nn/init.h"
#include "synthgrad/nn/module.h"

namespace sg::nn {

// y = x W^T + b with W [out, in] (PyTorch's layout, so state dicts line up). The transpose is a
// view that reaches BLAS as a flag. Defaults: W ~ normal(0, 0.02), b = 0.
class Linear : public UnaryModule {
 public:
  Linear(int64_t in, int64_t out, Generator& gen, bool bias = true, Init init = Init::normal_002);
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string settings() const override;

  Variable weight, bias;  // bias is undefined without one
};

}  // namespace sg::nn
