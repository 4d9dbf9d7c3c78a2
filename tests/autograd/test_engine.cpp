#include <doctest/doctest.h>

#include <string>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {
Variable leaf(std::vector<float> values, Shape shape) {
  return Variable(from_vector(values, shape), true);
}
}  // namespace

TEST_CASE("backward of a two-line expression gives the hand-derived gradients") {
  Variable x = leaf({1, 2, 3}, {3});
  Variable w = leaf({4, 5, 6}, {3});
  Variable loss = sum(x * w + x);  // d/dx = w + 1, d/dw = x
  loss.backward();
  CHECK(loss.item<float>() == doctest::Approx(4 + 10 + 18 + 6));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{5, 6, 7});
  CHECK(w.grad().to_vector<float>() == std::vector<float>{1, 2, 3});
}

TEST_CASE("a variable used twice accumulates both gradients") {
  Variable x = leaf({3}, {1});
  Variable y = x * x * x;  // dy/dx = 3x^2 = 27
  sum(y).backward();
  CHECK(x.grad().item<float>() == doctest::Approx(27));
}

TEST_CASE("gradients accumulate across backward calls until zero_grad") {
  Variable x = leaf({2}, {1});
  sum(x * 3.0f).backward();
  sum(x * 3.0f).backward();
  CHECK(x.grad().item<float>() == doctest::Approx(6));
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("a freed graph refuses a second backward, and retain_graph allows it") {
  Variable x = leaf({1, 2}, {2});
  Variable loss = sum(exp(x));
  loss.backward({}, true);
  loss.backward();
  CHECK(x.grad().at<float>({1}) == doctest::Approx(2 * std::exp(2.0f)));
  CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("retain_graph"), Error);
}

TEST_CASE("no_grad records nothing, detach cuts the graph, constants get no gradient") {
  Variable x = leaf({1, 2}, {2});
  Variable c(from_vector<float>({5, 6}));
  {
    NoGradGuard guard;
    CHECK_FALSE((x * 2.0f).requires_grad());
  }
  CHECK((x * 2.0f).requires_grad());
  CHECK_FALSE(x.detach().requires_grad());
  Variable loss = sum(x * c + x.detach() * x);  // d/dx = c + x (the detached factor is constant)
  loss.backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>{6, 8});
  CHECK_FALSE(c.grad().defined());
}

TEST_CASE("backward checks its output") {
  Variable x = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS((x * 2.0f).backward(), doctest::Contains("not a scalar"), Error);
  (x * 2.0f).backward(from_vector<float>({1, 10}));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 20});
  CHECK_THROWS_WITH_AS((x * 2.0f).backward(from_vector<float>({1, 2, 3})), doctest::Contains("[3]"),
                       Error);
  Variable constant(from_vector<float>({1}));
  CHECK_THROWS_WITH_AS(sum(constant).backward(), doctest::Contains("does not require"), Error);
}

TEST_CASE("a chain of 20000 ops backpropagates without exhausting the stack") {
  Variable x = leaf({1}, {1});
  Variable y = x;
  for (int i = 0; i < 20000; ++i) y = y + 0.0f;
  sum(y).backward();
  CHECK(x.grad().item<float>() == 1.0f);
}

TEST_CASE("only leaves can change requires_grad, and only f32 can require it") {
  Variable x = leaf({1}, {1});
  Variable y = x * 2.0f;
  CHECK_FALSE(y.is_leaf());
  CHECK_THROWS_AS(y.set_requires_grad(false), Error);
  CHECK_THROWS_AS(Variable(arange(3), true), Error);
}

TEST_CASE("set_data replaces a leaf's values and checks the shape") {
  Variable w = leaf({1, 2}, {2});
  w.set_data(from_vector<float>({3, 4}));
  CHECK(w.data().to_vector<float>() == std::vector<float>{3, 4});
  CHECK_THROWS_AS(w.set_data(zeros({3})), Error);
}

TEST_CASE("dropping a graph of 300000 ops frees it without exhausting the stack") {
  Variable x = leaf({1}, {1});
  {
    Variable y = x;
    for (int i = 0; i < 300000; ++i) y = y * 1.0f;
    CHECK(y.grad_fn() != nullptr);
  }  // the whole chain is destroyed here
  CHECK(x.is_leaf());
}

TEST_CASE("an intermediate used twice passes the sum of both gradients on") {
  Variable x = leaf({2}, {1}), w = leaf({3}, {1});
  Variable h = x * w;         // 6
  sum(h * h + h).backward();  // dy/dh = 2h + 1 = 13
  CHECK(x.grad().item<float>() == doctest::Approx(13 * 3));
  CHECK(w.grad().item<float>() == doctest::Approx(13 * 2));
}

TEST_CASE("the gradient-ready hook reports each leaf once, when its gradient is final") {
  Variable x = leaf({1, 2}, {2}), w = leaf({3, 4}, {2}), b = leaf({5, 6}, {2});
  Variable unused = leaf({7}, {1});
  Variable constant(from_vector<float>({1, 1}, {2}));  // requires no gradient: never reported
  // w is used early and late in the forward pass, so its gradient is complete only at the end.
  Variable h = w * x + b;
  Variable loss = sum(h * w + constant * x);
  std::vector<std::pair<VariableImpl*, std::vector<float>>> reported;
  {
    const GradientReadyGuard guard(
        [&](const Variable& v) { reported.emplace_back(v.impl(), v.grad().to_vector<float>()); });
    loss.backward();
  }
  REQUIRE(reported.size() == 3);
  for (const Variable* v : {&x, &w, &b}) {
    int times = 0;
    for (const auto& [impl, grad_then] : reported)
      if (impl == v->impl()) {
        ++times;
        CHECK(grad_then == v->grad().to_vector<float>());  // nothing was added after the report
      }
    CHECK(times == 1);
  }
  CHECK(!unused.grad().defined());
  // The guard is gone: a second pass reports nothing.
  reported.clear();
  sum(w * x).backward();
  CHECK(reported.empty());
}

TEST_CASE("a backward from a leaf reports that leaf to the hook") {
  Variable x = leaf({2}, {1});
  int calls = 0;
  const GradientReadyGuard guard([&](const Variable& v) { calls += v.impl() == x.impl(); });
  x.backward();
  CHECK(calls == 1);
}

namespace {

// An op with two outputs, a + b and a * b, whose rule counts its calls and records which
// outputs' gradients arrived.
struct SumAndProduct {
  int calls = 0;
  std::vector<bool> arrived;

  std::vector<Variable> operator()(const Variable& a, const Variable& b) {
    return record_outputs(
        "sum_and_product", {a, b}, {add(a.data(), b.data()), mul(a.data(), b.data())},
        [this, a = a.data(), b = b.data()](const std::vector<Tensor>& g, const auto&) {
          ++calls;
          arrived = {g[0].defined(), g[1].defined()};
          Tensor da = g[1].defined() ? mul(g[1], b) : zeros(a.shape());
          Tensor db = g[1].defined() ? mul(g[1], a) : zeros(b.shape());
          if (g[0].defined()) {
            da = add(da, g[0]);
            db = add(db, g[0]);
          }
          return Grads{da, db};
        });
  }
};

}  // namespace

TEST_CASE("an op with two outputs runs its rule once, with every output's gradient") {
  SumAndProduct op;
  Variable a = leaf({2}, {1}), b = leaf({5}, {1});
  std::vector<Variable> out = op(a, b);
  CHECK(out[0].item<float>() == 7);
  CHECK(out[1].item<float>() == 10);
  // The sum feeds the loss three times, the product once.
  sum(out[0] * 3.0f + out[1] * out[0] + out[0]).backward();
  CHECK(op.calls == 1);
  CHECK(op.arrived == std::vector<bool>{true, true});
  // d/da = (3 + p + 1) + s * b = 14 + 35; d/db = (3 + p + 1) + s * a = 14 + 14.
  CHECK(a.grad().item<float>() == 49);
  CHECK(b.grad().item<float>() == 28);
  CHECK(out[0].grad_fn() == out[1].grad_fn());
  const std::string dot = to_dot(sum(out[0] * out[1]));
  CHECK(dot.find("sum_and_product\\n[1]\\n[1]") != std::string::npos);
  CHECK(dot.find("[label=\"output 0\"]") != std::string::npos);
  CHECK(dot.find("[label=\"output 1\"]") != std::string::npos);
}

TEST_CASE("an output nobody used reaches a two-output rule as an undefined gradient") {
  for (size_t used : {0, 1}) {
    INFO("output used: " << used);
    SumAndProduct op;
    Variable a = leaf({2}, {1}), b = leaf({5}, {1});
    sum(op(a, b)[used] * 2.0f).backward();
    CHECK(op.calls == 1);
    CHECK(op.arrived == std::vector<bool>{used == 0, used == 1});
    CHECK(a.grad().item<float>() == (used == 0 ? 2 : 10));
  }
}

TEST_CASE("a chain of two-output ops backpropagates, and frees, without deep recursion") {
  SumAndProduct op;
  Variable a = leaf({1}, {1}), b = leaf({0}, {1});
  {
    Variable x = a, y = b;
    for (int i = 0; i < 20000; ++i) {
      std::vector<Variable> out = op(x, y * 0.0f);
      x = out[0];
      y = out[1];
    }
    sum(x).backward();
    CHECK(op.calls == 20000);
    CHECK(a.grad().item<float>() == 1);
    // Without a backward the graph stays whole until it is dropped; here both of a node's outputs
    // are inputs of the next node.
    for (int i = 0; i < 300000; ++i) {
      std::vector<Variable> out = op(x, y);
      x = out[0];
      y = out[1];
    }
  }  // the whole chain is destroyed here
  CHECK(a.is_leaf());
}

TEST_CASE("an undefined Variable's setters throw instead of crashing") {
  Variable none;
  CHECK_THROWS_WITH_AS(none.zero_grad(), "zero_grad: use of an undefined Variable", Error);
  CHECK_THROWS_WITH_AS(none.set_name("a"), "set_name: use of an undefined Variable", Error);
  CHECK_THROWS_WITH_AS(none.set_requires_grad(true),
                       "set_requires_grad: use of an undefined Variable", Error);
  CHECK_THROWS_WITH_AS(none.set_grad(Tensor()), "set_grad: use of an undefined Variable", Error);
  Variable leaf(scalar(1.0f), true);
  CHECK_THROWS_WITH_AS(leaf.set_data(Tensor()),
                       "set_data: new data undefined for a variable of f32 []", Error);
}

TEST_CASE("a gradient set as an expanded view is accumulated into a copy of its own") {
  Variable x(ones({2, 3}), true);
  x.set_grad(zeros({1, 3}).expand({2, 3}));
  sum(x * 1.0f).backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>(6, 1.0f));  // was 2 everywhere
}
