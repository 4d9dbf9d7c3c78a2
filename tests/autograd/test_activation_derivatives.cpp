// Every unary activation's forward and backward against its exact formula and derivative in double,
// over a dense grid, at a tolerance that finite differences cannot reach. gradcheck's rtol of 1e-2
// passes, for instance, GELU with the tanh approximation's derivative (off by up to 8.7e-4, the
// value by up to 4.7e-4) in place of the exact one, d/dx x Phi(x) = Phi(x) + x phi(x).
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

double normal_cdf(double x) {
  return 0.5 * (1.0 + std::erf(x / std::numbers::sqrt2));
}
double normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}
double logistic(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

struct Activation {
  const char* name;
  Variable (*op)(const Variable&);
  double (*value)(double);
  double (*derivative)(double);
  double low, high;  // the grid
};

const Activation kActivations[] = {
    {"gelu", [](const Variable& x) { return gelu(x); }, [](double x) { return x * normal_cdf(x); },
     [](double x) { return normal_cdf(x) + x * normal_pdf(x); }, -6, 6},
    {"exp", [](const Variable& x) { return exp(x); }, [](double x) { return std::exp(x); },
     [](double x) { return std::exp(x); }, -6, 6},
    {"tanh", [](const Variable& x) { return tanh(x); }, [](double x) { return std::tanh(x); },
     [](double x) { return 1.0 - std::tanh(x) * std::tanh(x); }, -6, 6},
    {"sigmoid", [](const Variable& x) { return sigmoid(x); }, logistic,
     [](double x) { return logistic(x) * (1.0 - logistic(x)); }, -6, 6},
    {"relu", [](const Variable& x) { return relu(x); }, [](double x) { return x > 0 ? x : 0.0; },
     [](double x) { return x > 0 ? 1.0 : 0.0; }, -6, 6},
    {"log", [](const Variable& x) { return log(x); }, [](double x) { return std::log(x); },
     [](double x) { return 1.0 / x; }, 0.25, 6},
    {"sqrt", [](const Variable& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); },
     [](double x) { return 0.5 / std::sqrt(x); }, 0.25, 6},
};

// 768 midpoints of equal steps: dense, and never on relu's kink at 0.
std::vector<float> grid(double low, double high) {
  constexpr int kPoints = 768;
  std::vector<float> x;
  for (int i = 0; i < kPoints; ++i)
    x.push_back(static_cast<float>(low + (i + 0.5) * (high - low) / kPoints));
  return x;
}

// 1e-5 absolute for values of order one (float32 carries ~1e-7 there), relative for exp's large
// ones.
bool close(double got, double want) {
  return std::fabs(got - want) <= 1e-5 * std::max(1.0, std::fabs(want));
}

}  // namespace

TEST_CASE("activations and their backward rules equal the exact formulas and derivatives") {
  for (const Activation& activation : kActivations) {
    const std::vector<float> values = grid(activation.low, activation.high);
    // An upstream gradient that varies, so that the rule must multiply by it element by element.
    std::vector<float> upstream;
    for (size_t i = 0; i < values.size(); ++i)
      upstream.push_back(0.5f + static_cast<float>(i % 7) * 0.25f);
    Variable x(from_vector(values), true);
    const Variable y = activation.op(x);
    y.backward(from_vector(upstream));
    const std::vector<float> forward = y.data().to_vector<float>();
    const std::vector<float> backward = x.grad().to_vector<float>();
    REQUIRE(forward.size() == values.size());
    REQUIRE(backward.size() == values.size());
    int64_t wrong_values = 0, wrong_gradients = 0;
    double last_wrong_x = NAN;
    for (size_t i = 0; i < values.size(); ++i) {
      const double v = values[i];
      const bool value_ok = close(forward[i], activation.value(v));
      const bool gradient_ok = close(backward[i], upstream[i] * activation.derivative(v));
      wrong_values += value_ok ? 0 : 1;
      wrong_gradients += gradient_ok ? 0 : 1;
      if (!value_ok || !gradient_ok) last_wrong_x = v;
    }
    INFO(std::string(activation.name) << ", last wrong at x = " << last_wrong_x);
    CHECK(wrong_values == 0);
    CHECK(wrong_gradients == 0);
  }
}
