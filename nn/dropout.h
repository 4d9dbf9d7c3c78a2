#pragma once
#include <memory>

#include "synthgrad/core/random.h"
#include "synthgrad/nn/module.h"

namespace sg::nn {

// Inverted dropout, active only in training mode. The generator is shared by all dropout layers of
// a model, so one saved generator state replays every mask on resume.
class Dropout : public UnaryModule {
 public:
  Dropout(float p, std::shared_ptr<Generator> gen);
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "Dropout"; }
  std::string settings() const override;
  // residual + forward(x) as one op (autograd's add_dropout): the same mask, the same numbers
  // within one rounding.
  Variable forward_residual(const Variable& residual, const Variable& x);
  float p() const { return p_; }
  Generator* generator() const { return gen_.get(); }

 private:
  float p_;
  std::shared_ptr<Generator> gen_;
};

}  // namespace sg::nn
