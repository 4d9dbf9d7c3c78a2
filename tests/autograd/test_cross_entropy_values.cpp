#include <doctest/doctest.h>

#include <cmath>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"

using namespace sg;

TEST_CASE("cross_entropy equals a hand computation and skips ignored rows") {
  // Row 0: logits (0, ln 3), target 1: -log(3/4). Row 1 ignored. Row 2: (2, 2), target 0: log 2.
  const Tensor logits = from_vector<float>({0, std::log(3.0f), 5, -5, 2, 2}, {3, 2});
  const Tensor targets = from_vector<int32_t>({1, -100, 0});
  Variable x(logits, true);
  Variable loss = cross_entropy(x, targets);
  const double expected = (-std::log(0.75) + std::log(2.0)) / 2;
  CHECK(loss.item<float>() == doctest::Approx(expected).epsilon(1e-6).scale(0));
  loss.backward();
  // Ignored rows get no gradient; others get (softmax - onehot) / count.
  CHECK(x.grad().at<float>({1, 0}) == 0.0f);
  CHECK(x.grad().at<float>({0, 1}) == doctest::Approx((0.75 - 1) / 2).epsilon(1e-6).scale(0));
  CHECK(x.grad().at<float>({2, 0}) == doctest::Approx((0.5 - 1) / 2).epsilon(1e-6).scale(0));
}

TEST_CASE("cross_entropy rejects targets outside the classes") {
  Variable x(zeros({2, 3}), true);
  CHECK_THROWS_WITH_AS(cross_entropy(x, from_vector<int64_t>({0, 3})),
                       doctest::Contains("target 3 at row 1"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(x, from_vector<int64_t>({0, 1, 2})),
                       doctest::Contains("do not match"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(Variable(zeros({2, 0}), true), from_vector<int64_t>({0, 0})),
                       doctest::Contains("logits must be f32 of shape [N, C] with C > 0"), Error);
}

TEST_CASE("label smoothing spreads the target mass over the classes") {
  const Tensor logits = from_vector<float>({1, 2, 3}, {1, 3});
  CrossEntropyOptions options;
  options.label_smoothing = 0.3f;
  const float loss =
      cross_entropy(Variable(logits), from_vector<int64_t>({2}), options).item<float>();
  // log p_c = x_c - log Z, Z = e + e^2 + e^3: the loss is -0.7 (3 - log Z) - 0.1 (6 - 3 log Z),
  // which is log Z - 2.7 = 0.707606 (computed by hand, without the library's log_softmax).
  const double log_z = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  CHECK(loss == doctest::Approx(log_z - 2.7).epsilon(1e-6).scale(0));
  CHECK(loss == doctest::Approx(0.707606).epsilon(1e-6).scale(0));
}

TEST_CASE("cross_entropy and mse refuse targets of the wrong layout") {
  Variable logits(zeros({2, 3, 4}), true);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, zeros({3, 2}, DType::i64)),
                       doctest::Contains("do not match"), Error);
  CHECK_THROWS_WITH_AS(mse(Variable(zeros({4, 1})), Variable(zeros({4}))),
                       doctest::Contains("[4, 1] and target [4]"), Error);
}

TEST_CASE("class weights count each row by its target's weight, in the loss and its gradient") {
  // The rows of the first test, weighted 3 (class 1) and 0.5 (class 0): the mean is over the
  // weights, 3 + 0.5, not over the rows.
  const Tensor logits = from_vector<float>({0, std::log(3.0f), 5, -5, 2, 2}, {3, 2});
  const Tensor targets = from_vector<int32_t>({1, -100, 0});
  CrossEntropyOptions options;
  options.class_weights = {0.5f, 3.0f};
  Variable x(logits, true);
  Variable loss = cross_entropy(x, targets, options);
  const double expected = (3 * -std::log(0.75) + 0.5 * std::log(2.0)) / 3.5;
  CHECK(loss.item<float>() == doctest::Approx(expected).epsilon(1e-6).scale(0));
  loss.backward();
  CHECK(x.grad().at<float>({1, 0}) == 0.0f);
  CHECK(x.grad().at<float>({0, 1}) == doctest::Approx(3 * (0.75 - 1) / 3.5).epsilon(1e-6).scale(0));
  CHECK(x.grad().at<float>({2, 0}) ==
        doctest::Approx(0.5 * (0.5 - 1) / 3.5).epsilon(1e-6).scale(0));
}

TEST_CASE("class weights of weight 0 drop their rows, and equal weights change nothing") {
  const Tensor logits =
      from_vector<float>({0.3f, -1, 2, 1.5f, 0, -0.5f, 4, 1, 0.2f, -2, 3, 1}, {4, 3});
  const Tensor targets = from_vector<int64_t>({0, 2, 1, 2});
  CrossEntropyOptions equal;
  equal.class_weights = {2.0f, 2.0f, 2.0f};
  CHECK(cross_entropy(Variable(logits), targets, equal).item<float>() ==
        doctest::Approx(cross_entropy(Variable(logits), targets).item<float>()).epsilon(1e-6));
  CrossEntropyOptions no_class_2;
  no_class_2.class_weights = {1.0f, 1.0f, 0.0f};
  const Tensor ignored = from_vector<int64_t>({0, -100, 1, -100});
  CHECK(cross_entropy(Variable(logits), targets, no_class_2).item<float>() ==
        doctest::Approx(cross_entropy(Variable(logits), ignored).item<float>()).epsilon(1e-6));
}

TEST_CASE("cross_entropy refuses class weights of the wrong count or value") {
  Variable x(zeros({2, 3}), true);
  const Tensor targets = from_vector<int64_t>({0, 2});
  CrossEntropyOptions options;
  options.class_weights = {1.0f, 2.0f};
  CHECK_THROWS_WITH_AS(cross_entropy(x, targets, options),
                       doctest::Contains("2 class weights for 3 classes"), Error);
  options.class_weights = {1.0f, -1.0f, 1.0f};
  CHECK_THROWS_WITH_AS(cross_entropy(x, targets, options),
                       doctest::Contains("class weight -1 of class 1"), Error);
  options.class_weights = {1.0f, 1.0f, std::nanf("")};
  CHECK_THROWS_WITH_AS(cross_entropy(x, targets, options),
                       doctest::Contains("of class 2 is not a finite value"), Error);
}

TEST_CASE(
    "class weights with label smoothing follow PyTorch's rule, a target of weight 0 included") {
  // torch.nn.functional.cross_entropy(x, [0, 2], weight=w, label_smoothing=0.3) in float64,
  // PyTorch 1.13: the smoothing term weighs each class by its own weight, and a row whose target
  // weighs 0 still adds it.
  struct Case {
    std::vector<float> weights;
    double loss;
    std::vector<double> gradient;
  };
  const std::vector<Case> cases{
      {{1, 2, 3},
       0.9328570636880047,
       {-0.17074006371962636, 0.029536753092809228, 0.14120331062681704, 0.09332101469452474,
        -0.023599013042285975, -0.06972200165223878}},
      {{0, 2, 3},
       0.5437374511769328,
       {0.01500509552839674, -0.02587858815753372, 0.01087349262913697, 0.15191833985469846,
        -0.03276910316540421, -0.11914923668929424}}};
  for (const Case& expected : cases) {
    CrossEntropyOptions options;
    options.label_smoothing = 0.3f;
    options.class_weights = expected.weights;
    Variable x(from_vector<float>({1, 2, 3, 0.5f, -1, 2}, {2, 3}), true);
    Variable loss = cross_entropy(x, from_vector<int64_t>({0, 2}), options);
    CHECK(loss.item<float>() == doctest::Approx(expected.loss).epsilon(1e-6).scale(0));
    loss.backward();
    const std::vector<float> gradient = x.grad().to_vector<float>();
    for (size_t j = 0; j < gradient.size(); ++j)
      CHECK(gradient[j] == doctest::Approx(expected.gradient[j]).epsilon(1e-5).scale(1e-7));
  }
}
