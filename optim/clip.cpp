#include "synthgrad/optim/clip.h"

#include <cmath>

#include "synthgrad/core/elementwise.h"
#include "synthgrad/core/reduce.h"

namespace sg::optim {

double clip_grad_norm(const std::vector<Variable>& params, double max_norm) {
  SG_CHECK(max_norm > 0.0, "clip_grad_norm: max_norm {} must be positive", max_norm);
  double squares = 0.0;
  for (const Variable& p : params)
    if (p.grad().defined()) squares += sum(mul(p.grad(), p.grad())).item<float>();
  const double norm = std::sqrt(squares);
  // A NaN or infinite norm is returned unclipped: scaling would only turn Inf into NaN.
  if (std::isfinite(norm) && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const Variable& p : params)
      if (p.grad().defined()) mul_inplace(p.grad(), scale);
  }
  return norm;
}

}  // namespace sg::optim
