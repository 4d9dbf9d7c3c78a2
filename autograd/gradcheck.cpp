#include "synthgrad/autograd/gradcheck.h"

#include <cmath>

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/grad_mode.h"
#include "synthgrad/autograd/reductions.h"
#include "synthgrad/core/random.h"

namespace sg {

namespace {

std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

// sum(y * r) accumulated in double, so that the difference of two nearby values keeps its digits.
double projected(const Variable& y, const Tensor& r) {
  const std::vector<float> yv = y.data().to_vector<float>(), rv = r.to_vector<float>();
  double s = 0.0;
  for (size_t i = 0; i < yv.size(); ++i) s += static_cast<double>(yv[i]) * rv[i];
  return s;
}

double numeric_derivative(const GradcheckFunction& f, const std::vector<Variable>& vars,
                          const Tensor& r, float& element, double eps) {
  NoGradGuard no_grad;
  const float original = element;
  element = static_cast<float>(original + eps);
  const double up = projected(f(vars), r);
  element = static_cast<float>(original - eps);
  const double down = projected(f(vars), r);
  const double step = static_cast<double>(static_cast<float>(original + eps)) -
                      static_cast<double>(static_cast<float>(original - eps));
  element = original;
  return (up - down) / step;
}

void check_input(const Tensor& t, size_t i) {
  SG_CHECK(t.defined(), "gradcheck: input {} is undefined", i);
  for (int64_t d = 0; d < t.dim(); ++d)
    SG_CHECK(
        t.strides()[d] != 0 || t.size(d) == 1,
        "gradcheck: input {} of shape {} is an expanded view; its elements are not independent", i,
        shape_str(t.shape()));
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
  std::vector<Variable> vars;
  for (size_t i = 0; i < inputs.size(); ++i) {
    check_input(inputs[i], i);
    vars.emplace_back(inputs[i], inputs[i].dtype() == DType::f32);
  }
  const Variable y = f(vars);
  Generator gen(options.seed);
  const Tensor r = randn(y.shape(), gen);
  sum(y * Variable(r)).backward();

  GradcheckResult result;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (!vars[i].requires_grad()) continue;
    const Tensor& analytic = vars[i].grad();
    for (int64_t flat = 0; flat < inputs[i].numel(); ++flat) {
      const std::vector<int64_t> index = unravel(flat, inputs[i].shape());
      const double numeric =
          numeric_derivative(f, vars, r, inputs[i].at<float>(index), options.eps);
      const double a = analytic.defined() ? analytic.at<float>(index) : 0.0;
      const double error =
          std::fabs(a - numeric) / (options.atol + options.rtol * std::fabs(numeric));
      // A NaN error (a NaN analytic gradient) is the worst there is: nothing replaces it.
      if (std::isnan(result.worst_error) || error <= result.worst_error) continue;
      result.worst_error = error;
      result.worst_input = static_cast<int64_t>(i);
      result.worst_index = index;
      result.analytic = a;
      result.numeric = numeric;
    }
  }
  result.ok = result.worst_error <= 1.0;  // false for NaN
  if (!result.ok)
    result.message = fmt::format(
        "gradcheck: input {} at index [{}]: analytic {:.6g}, numeric {:.6g} ({:.3g}x the "
        "tolerance)",
        result.worst_input, fmt::join(result.worst_index, ", "), result.analytic, result.numeric,
        result.worst_error);
  return result;
}

}  // namespace sg
