#include <doctest/doctest.h>

#include <cmath>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/autograd/record.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {
// A deliberately wrong op: forward x^2, backward claims x (instead of 2x).
Variable wrong_square(const Variable& x) {
  return record("wrong_square", {x}, mul(x.data(), x.data()),
                [x = x.data()](const Tensor& g, const auto&) { return Grads{mul(g, x)}; });
}
// The identity, with a backward that puts NaN in the first element's gradient.
Variable nan_first_gradient(const Variable& x) {
  return record("nan_first_gradient", {x}, x.data().clone(), [](const Tensor& g, const auto&) {
    Tensor grad = g.clone();
    grad.data<float>()[0] = NAN;
    return Grads{grad};
  });
}
}  // namespace

TEST_CASE("gradcheck fails on a NaN gradient even when later elements are right") {
  const GradcheckResult r = gradcheck([](const auto& v) { return nan_first_gradient(v[0]); },
                                      {from_vector<float>({1, 2, 3})});
  CHECK_FALSE(r.ok);
  CHECK(r.worst_index == std::vector<int64_t>{0});
  CHECK(r.message.find("analytic nan") != std::string::npos);
}

TEST_CASE("gradcheck finds a wrong backward rule and names the worst element") {
  const Tensor x = from_vector<float>({1, 2, 3, 4}, {2, 2});
  GradcheckResult r = gradcheck([](const auto& v) { return wrong_square(v[0]); }, {x});
  CHECK_FALSE(r.ok);
  CHECK(r.worst_input == 0);
  CHECK(r.message.find("input 0 at index") != std::string::npos);
  CHECK(std::abs(r.numeric - 2 * r.analytic) < 1e-2 * std::abs(r.numeric));
  // The input is restored bit for bit.
  CHECK(x.to_vector<float>() == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("anomaly mode names the op whose forward produced NaN") {
  Variable x(from_vector<float>({-1, 1}), true);
  CHECK_NOTHROW(log(x));  // off by default: NaN flows silently
  AnomalyGuard anomaly;
  CHECK_THROWS_WITH_AS(log(x), doctest::Contains("forward of op 'log' produced NaN"), Error);
}

TEST_CASE("anomaly mode names the op whose backward produced Inf, with its creation stack") {
  Variable x(from_vector<float>({0, 4}), true);
  AnomalyGuard anomaly;
  Variable y = sqrt(x);  // finite forward, infinite gradient at 0
  try {
    sum(y).backward();
    FAIL("expected an anomaly");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find("backward of op 'sqrt' produced Inf") != std::string::npos);
    CHECK(message.find("created") != std::string::npos);
    CHECK(message.find("sg::sqrt") != std::string::npos);
  }
}

TEST_CASE("to_dot draws ops with shapes and named leaves, with data-flow edges") {
  Variable x(from_vector<float>({1, 2, 3}), true);
  x.set_name("x");
  Variable w(ones({3, 2}), true);
  w.set_name("w");
  Variable y = sum(matmul(reshape(x, {1, 3}), w));
  const std::string dot = to_dot(y);
  CHECK(dot.find("digraph") == 0);
  CHECK(dot.find("matmul\\n[1, 2]") != std::string::npos);
  CHECK(dot.find("x\\n[3]") != std::string::npos);
  CHECK(dot.find("w\\n[3, 2]") != std::string::npos);
  CHECK(dot.find("sum\\n[]") != std::string::npos);
  // 4 edges: x->reshape, reshape->matmul, w->matmul, matmul->sum.
  size_t edges = 0;
  for (size_t at = dot.find("->"); at != std::string::npos; at = dot.find("->", at + 1)) ++edges;
  CHECK(edges == 4);
}
