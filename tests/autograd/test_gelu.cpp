// GELU's forward and backward against the exact erf form, x Phi(x), at a tolerance that tells it
// from the tanh approximation: the approximation's value is off by up to ~4.7e-4 and its
// derivative by up to ~8.7e-4, so a gradcheck at rtol 1e-2 cannot see the difference.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "autograd/autograd.h"
#include "core/core.h"

using namespace sg;

namespace {

double normal_cdf(double x) {
  return 0.5 * (1.0 + std::erf(x / std::numbers::sqrt2));
}
double normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}

// x in [-6, 6] in steps of 1/64: every region of the curve, its minimum near -0.75 included.
std::vector<float> grid() {
  std::vector<float> x;
  for (int i = -384; i <= 384; ++i) x.push_back(static_cast<float>(i) / 64.0f);
  return x;
}

// Absolute: values are at most 6 and derivatives at most 1.13, where float32 carries ~1e-6.
constexpr double kTolerance = 1e-5;

}  // namespace

TEST_CASE("gelu forward and backward equal the exact erf form, not the tanh approximation") {
  const std::vector<float> values = grid();
  const int64_t n = static_cast<int64_t>(values.size());
  // An upstream gradient that varies, so that the rule must multiply by it element by element.
  std::vector<float> upstream(values.size());
  for (size_t i = 0; i < upstream.size(); ++i)
    upstream[i] = 0.5f + static_cast<float>(i % 7) * 0.25f;

  Variable x(from_vector(values), true);
  const Variable y = gelu(x);
  y.backward(from_vector(upstream));
  const std::vector<float> forward = y.data().to_vector<float>();
  const std::vector<float> backward = x.grad().to_vector<float>();
  REQUIRE(static_cast<int64_t>(forward.size()) == n);
  REQUIRE(static_cast<int64_t>(backward.size()) == n);
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    INFO("x = " << v);
    CHECK(std::fabs(forward[i] - v * normal_cdf(v)) <= kTolerance);
    const double derivative = normal_cdf(v) + v * normal_pdf(v);
    CHECK(std::fabs(backward[i] - upstream[i] * derivative) <= kTolerance * upstream[i]);
  }
}
