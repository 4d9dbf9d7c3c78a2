#pragma once
#include "synthgrad/autograd/layer_norm.h"
#include "synthgrad/nn/dropout.h"
#include "synthgrad/nn/module.h"

namespace sg::nn {

// Normalises the last axis; weight = 1, bias = 0 at start.
class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(int64_t dim, float eps = 1e-5f);
  Variable forward(const Variable& x) override;
  // residual + dropout(branch), and this norm of that sum, as one op (autograd's
  // add_dropout_layer_norm): a pre-LayerNorm block's residual connection and the norm after it.
  AddLayerNorm forward_residual(const Variable& residual, const Variable& branch,
                                const Dropout& dropout) const;
  std::string type_name() const override { return "LayerNorm"; }
  std::string settings() const override;

  Variable weight, bias;

 private:
  float eps_;
};

}  // namespace sg::nn
