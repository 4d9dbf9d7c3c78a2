#pragma once
// The smallest token mixer: one Linear applied to every token independently, ignoring the mask.
// It lets the Transformer block be tested without depending on any attention implementation.
#include <memory>

#include "synthgrad/nn/linear.h"
#include "synthgrad/nn/token_mixer.h"

namespace sg::testing {

class TokenLinear : public nn::TokenMixer {
 public:
  TokenLinear(int64_t dim, Generator& gen) {
    proj = register_module("proj", std::make_shared<nn::Linear>(dim, dim, gen));
  }
  Variable forward(const Variable& x, const nn::AttentionMask&) override {
    return proj->forward(x);
  }
  std::string type_name() const override { return "TokenLinear"; }

  std::shared_ptr<nn::Linear> proj;
};

}  // namespace sg::testing
