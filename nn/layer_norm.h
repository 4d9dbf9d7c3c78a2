#pragma once
#include "synthgrad/nn/module.h"

namespace sg::nn {

// Normalises the last axis; weight = 1, bias = 0 at start.
class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(int64_t dim, float eps = 1e-5f);
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "LayerNorm"; }
  std::string settings() const override;

  Variable weight, bias;

 private:
  float eps_;
};

}  // namespace sg::nn
