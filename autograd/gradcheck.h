#pragma once
// Checks analytic gradients against central finite differences. For a non-scalar output y the
// check runs on the scalar sum(y * r) with a fixed random r, which tests every output's gradient.
#include <functional>
#include <string>
#include <vector>

#include "synthgrad/autograd/variable.h"

namespace sg {

struct GradcheckOptions {
  double eps = 5e-3;   // step of the central difference; float32 wants it neither tiny nor large
  double rtol = 1e-2;  // |analytic - numeric| <= atol + rtol * |numeric| for every element
  double atol = 1e-3;
  uint64_t seed = 0;  // for the projection r
};

struct GradcheckResult {
  bool ok = true;
  double worst_error = 0.0;  // the largest |analytic - numeric| / (atol + rtol * |numeric|)
  int64_t worst_input = -1;
  std::vector<int64_t> worst_index;
  double analytic = 0.0, numeric = 0.0;  // at the worst element
  std::string message;                   // describes the worst element when !ok
  explicit operator bool() const { return ok; }
};

using GradcheckFunction = std::function<Variable(const std::vector<Variable>&)>;

// Every f32 input is differentiated; integer inputs are passed through as constants. Inputs keep
// their layout (non-contiguous views are checked as such) and are restored bit for bit.
GradcheckResult gradcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace sg
