// Parameter initialisers (statistics, bounds, dispatch, seeding, layer defaults) and the losses
// against hand computations in double.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/nn.h"

using namespace sg;

namespace {

struct Stats {
  double mean = 0.0, stddev = 0.0, max_abs = 0.0;
};

// In double, so that 100k float draws do not lose digits to the running sum.
Stats stats(const Tensor& t) {
  const std::vector<float> v = t.to_vector<float>();
  Stats s;
  for (float x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (float x : v) {
    s.stddev += (x - s.mean) * (x - s.mean);
    s.max_abs = std::max(s.max_abs, std::fabs(static_cast<double>(x)));
  }
  s.stddev = std::sqrt(s.stddev / static_cast<double>(v.size()));
  return s;
}

bool all_equal(const Tensor& t, float value) {
  const std::vector<float> v = t.to_vector<float>();
  return std::all_of(v.begin(), v.end(), [value](float x) { return x == value; });
}

// -[t log s(x) + (1 - t) log(1 - s(x))] straight from the definition, in double.
double bce(double x, double t) {
  const double s = 1.0 / (1.0 + std::exp(-x));
  return -(t * std::log(s) + (1.0 - t) * std::log(1.0 - s));
}

}  // namespace

TEST_CASE("normal(0, 0.02) has the requested mean and standard deviation") {
  Generator gen(1);
  const Stats s = stats(nn::normal({400, 250}, 0.02f, gen));
  // The sample std of 100k draws has a relative standard error of 1/sqrt(2n) = 0.2%, so a 2%
  // tolerance fails only for a wrong scale. scale(0): purely relative, since doctest's default
  // slack of epsilon * 1 would accept any std in (0, 0.04).
  CHECK(s.stddev == doctest::Approx(0.02).epsilon(0.02).scale(0));
  // The standard error of the mean is 0.02 / 316 = 6e-5; allow five of them.
  CHECK(std::fabs(s.mean) < 3e-4);
}

TEST_CASE("xavier_uniform stays within sqrt(6 / (fan_in + fan_out)) and comes close to it") {
  Generator gen(2);
  const Shape shape{300, 200};  // [out, in]
  const float bound = static_cast<float>(std::sqrt(6.0 / (200 + 300)));
  const Stats s = stats(nn::xavier_uniform(shape, gen));
  CHECK(s.max_abs <= bound);
  CHECK(s.max_abs > 0.95 * bound);
  // U(-a, a) has standard deviation a / sqrt(3).
  CHECK(s.stddev == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02).scale(0));
}

TEST_CASE("kaiming_uniform stays within sqrt(6 / fan_in) and comes close to it") {
  Generator gen(3);
  const float bound = static_cast<float>(std::sqrt(6.0 / 200));
  const Stats s = stats(nn::kaiming_uniform({300, 200}, gen));
  CHECK(s.max_abs <= bound);
  CHECK(s.max_abs > 0.95 * bound);
  CHECK(s.stddev == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02).scale(0));
}

TEST_CASE("fans of a rank-3 weight include the receptive field") {
  Generator gen(4);
  // [out=64, in=32, k=5]: fan_in = 32 * 5 = 160, fan_out = 64 * 5 = 320.
  const float xavier = static_cast<float>(std::sqrt(6.0 / (160 + 320)));
  const float kaiming = static_cast<float>(std::sqrt(6.0 / 160));
  const Stats x = stats(nn::xavier_uniform({64, 32, 5}, gen));
  const Stats k = stats(nn::kaiming_uniform({64, 32, 5}, gen));
  CHECK(x.max_abs <= xavier);
  CHECK(x.max_abs > 0.95 * xavier);
  CHECK(k.max_abs <= kaiming);
  CHECK(k.max_abs > 0.95 * kaiming);
  // A vector has no fan_out.
  CHECK_THROWS_WITH_AS(nn::xavier_uniform({10}, gen), doctest::Contains("rank >= 2"), Error);
  CHECK_THROWS_AS(nn::kaiming_uniform({10}, gen), Error);
}

TEST_CASE("initialisers of a weight with an empty axis return an empty tensor") {
  // Once a division by zero in the fan computation that killed the process with SIGFPE.
  Generator gen(10);
  CHECK(nn::xavier_uniform({0, 4}, gen).shape() == Shape{0, 4});
  CHECK(nn::kaiming_uniform({4, 0}, gen).shape() == Shape{4, 0});
  CHECK(nn::init_weight({2, 3, 0}, nn::Init::xavier_uniform, gen).numel() == 0);
}

TEST_CASE("init_weight dispatches to the initialiser its enum names") {
  const Shape shape{20, 30};
  auto via_enum = [&](nn::Init init) {
    Generator gen(5);
    return nn::init_weight(shape, init, gen).to_vector<float>();
  };
  Generator a(5), b(5), c(5);
  const std::vector<float> normal = nn::normal(shape, 0.02f, a).to_vector<float>();
  const std::vector<float> xavier = nn::xavier_uniform(shape, b).to_vector<float>();
  const std::vector<float> kaiming = nn::kaiming_uniform(shape, c).to_vector<float>();
  CHECK(via_enum(nn::Init::normal_002) == normal);
  CHECK(via_enum(nn::Init::xavier_uniform) == xavier);
  CHECK(via_enum(nn::Init::kaiming_uniform) == kaiming);
  // The three really differ, so the checks above could not pass by accident.
  CHECK(normal != xavier);
  CHECK(xavier != kaiming);
}

TEST_CASE("initialisers are a function of the generator's seed and position") {
  Generator a(6), b(6), c(7);
  const std::vector<float> first = nn::xavier_uniform({8, 8}, a).to_vector<float>();
  CHECK(first == nn::xavier_uniform({8, 8}, b).to_vector<float>());
  CHECK(first != nn::xavier_uniform({8, 8}, c).to_vector<float>());
  // The generator advances: a second draw from the same one is new numbers.
  CHECK(first != nn::xavier_uniform({8, 8}, a).to_vector<float>());
  Generator d(6), e(6);
  CHECK(nn::normal({100}, 0.02f, d).to_vector<float>() ==
        nn::normal({100}, 0.02f, e).to_vector<float>());
}

TEST_CASE("Linear starts at normal(0, 0.02) weights and zero bias") {
  Generator gen(8);
  nn::Linear linear(400, 250, gen);
  CHECK(linear.weight.shape() == Shape{250, 400});
  const Stats s = stats(linear.weight.data());
  CHECK(s.stddev == doctest::Approx(0.02).epsilon(0.02).scale(0));
  CHECK(std::fabs(s.mean) < 3e-4);
  CHECK(linear.bias.shape() == Shape{250});
  CHECK(all_equal(linear.bias.data(), 0.0f));
  // Another Init reaches the weight; the bias stays zero.
  nn::Linear kaiming(200, 300, gen, true, nn::Init::kaiming_uniform);
  CHECK(stats(kaiming.weight.data()).max_abs > 0.95 * std::sqrt(6.0 / 200));
  CHECK(all_equal(kaiming.bias.data(), 0.0f));
}

TEST_CASE("LayerNorm starts as the plain normalisation: weight 1, bias 0") {
  nn::LayerNorm norm(7);
  CHECK(norm.weight.shape() == Shape{7});
  CHECK(all_equal(norm.weight.data(), 1.0f));
  CHECK(all_equal(norm.bias.data(), 0.0f));
  CHECK(norm.weight.requires_grad());
}

TEST_CASE("binary_cross_entropy_with_logits stays finite for large logits") {
  Variable logits(from_vector<float>({-100, 100}));
  Variable targets(from_vector<float>({1, 0}));
  // Each term is about 100: -log sigmoid(-100) and -log(1 - sigmoid(100)).
  CHECK(nn::binary_cross_entropy_with_logits(logits, targets).item<float>() ==
        doctest::Approx(100.0).epsilon(1e-5).scale(0));
}

TEST_CASE("binary_cross_entropy_with_logits equals the definition, soft targets included") {
  const std::vector<float> x{0.0f, 2.5f, -1.5f, 0.7f, -3.0f, 4.0f};
  const std::vector<float> t{0.5f, 1.0f, 0.0f, 0.25f, 0.9f, 0.0f};
  Variable logits(from_vector(x, {2, 3}), true);
  const Variable loss =
      nn::binary_cross_entropy_with_logits(logits, Variable(from_vector(t, {2, 3})));
  double expected = 0.0;
  for (size_t i = 0; i < x.size(); ++i) expected += bce(x[i], t[i]);
  expected /= static_cast<double>(x.size());
  CHECK(loss.shape().empty());
  CHECK(loss.item<float>() == doctest::Approx(expected).epsilon(1e-6).scale(0));
  // d/dx of the mean is (sigmoid(x) - t) / n.
  loss.backward();
  for (int64_t i = 0; i < 6; ++i) {
    const double s = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    const double grad = (s - t[i]) / 6.0;
    // Absolute: |grad| <= 1/6, and at x = 0, t = 0.5 it is exactly 0, where no relative bound fits.
    CHECK(std::fabs(logits.grad().at<float>({i / 3, i % 3}) - grad) <= 2e-7);
  }
}

TEST_CASE("gradcheck: binary_cross_entropy_with_logits in logits and targets") {
  Generator gen(9);
  const Tensor logits = randn({3, 4}, gen, 0.0f, 2.0f);
  const Tensor targets = rand_uniform({3, 4}, gen);
  GradcheckResult r = gradcheck(
      [](const std::vector<Variable>& v) {
        return nn::binary_cross_entropy_with_logits(v[0], v[1]);
      },
      {logits, targets});
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("nn::cross_entropy with label smoothing and an ignored row matches a hand computation") {
  // Logits [2, 2, 3] with targets [2, 2]; the row with target -1 is ignored.
  const std::vector<float> values{1, 2, 3, 0, 0, 0, -1, 0.5f, 2, 4, -2, 1};
  const std::vector<int64_t> targets{2, -1, 0, 1};
  CrossEntropyOptions options;
  options.label_smoothing = 0.2f;
  options.ignore_index = -1;
  Variable logits(from_vector(values, {2, 2, 3}), true);
  const Variable loss = nn::cross_entropy(logits, from_vector(targets, {2, 2}), options);

  // Each counted row: -(1 - e) log p[target] - (e / C) sum_c log p[c], averaged over 3 rows.
  const double e = 0.2, classes = 3;
  double expected = 0.0;
  std::vector<std::vector<double>> probs(4, std::vector<double>(3));
  for (int row = 0; row < 4; ++row) {
    double z = 0.0;
    for (int c = 0; c < 3; ++c) z += std::exp(static_cast<double>(values[row * 3 + c]));
    double sum_log = 0.0;
    for (int c = 0; c < 3; ++c) {
      probs[row][c] = std::exp(static_cast<double>(values[row * 3 + c])) / z;
      sum_log += std::log(probs[row][c]);
    }
    if (targets[row] == -1) continue;
    expected += -(1 - e) * std::log(probs[row][targets[row]]) - e / classes * sum_log;
  }
  expected /= 3;
  CHECK(loss.item<float>() == doctest::Approx(expected).epsilon(1e-6).scale(0));

  // The gradient is (softmax - smoothed target) / 3 on counted rows and 0 on the ignored one.
  loss.backward();
  const Tensor grad = logits.grad().reshape({4, 3});
  for (int64_t row = 0; row < 4; ++row) {
    for (int64_t c = 0; c < 3; ++c) {
      INFO("row " << row << ", class " << c);
      if (targets[row] == -1) {
        CHECK(grad.at<float>({row, c}) == 0.0f);
        continue;
      }
      const double q = (c == targets[row] ? 1 - e : 0.0) + e / classes;
      CHECK(grad.at<float>({row, c}) ==
            doctest::Approx((probs[row][c] - q) / 3).epsilon(1e-5).scale(0));
    }
  }
}

TEST_CASE("loss shape mismatches throw sg::Error naming both shapes") {
  Variable logits(zeros({2, 3}));
  CHECK_THROWS_WITH_AS(nn::binary_cross_entropy_with_logits(logits, Variable(zeros({3, 2}))),
                       doctest::Contains("logits [2, 3] and targets [3, 2]"), Error);
  // Broadcastable is not enough: a [3] target against [2, 3] logits is a mistake, not a mean.
  CHECK_THROWS_WITH_AS(nn::binary_cross_entropy_with_logits(logits, Variable(zeros({3}))),
                       doctest::Contains("[3]"), Error);
  CHECK_THROWS_WITH_AS(
      nn::cross_entropy(logits, from_vector<int64_t>({0, 1, 2})),
      doctest::Contains("targets of shape [3] do not match logits of shape [2, 3]"), Error);
}
