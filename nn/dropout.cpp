#include "synthgrad/nn/dropout.h"

#include "synthgrad/autograd/dropout.h"

namespace sg::nn {

Dropout::Dropout(float p, std::shared_ptr<Generator> gen) : p_(p), gen_(std::move(gen)) {
  SG_CHECK(p >= 0.0f && p < 1.0f, "Dropout: probability {} is outside [0, 1)", p);
  SG_CHECK(p == 0.0f || gen_ != nullptr, "Dropout: a generator is needed when p > 0");
}

Variable Dropout::forward(const Variable& x) {
  if (p_ == 0.0f || !is_training()) return x;
  return dropout(x, p_, true, *gen_);
}

Variable Dropout::forward_residual(const Variable& residual, const Variable& x) {
  return add_dropout(residual, x, p_, is_training(), gen_.get());
}

std::string Dropout::settings() const {
  return fmt::format("p={}", p_);
}

}  // namespace sg::nn
