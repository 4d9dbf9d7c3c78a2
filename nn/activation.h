#pragma once
#include "synthgrad/nn/module.h"

namespace sg::nn {

class GELU : public UnaryModule {
 public:
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "GELU"; }
};

class ReLU : public UnaryModule {
 public:
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "ReLU"; }
};

}  // namespace sg::nn
