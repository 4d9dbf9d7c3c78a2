#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "synthgrad/core/core.h"
#include "synthgrad/optim/optim.h"

using namespace sg;

namespace {

// Purely relative comparison: doctest's default scale of 1 would add an absolute slack as large as
// the tolerance, too loose for learning rates around 0.01.
doctest::Approx near(double expected, double relative = 1e-6) {
  return doctest::Approx(expected).epsilon(relative).scale(0);
}

}  // namespace

TEST_CASE("a constant schedule without warm-up returns its base rate") {
  optim::Schedule s{.base_lr = 0.1f};
  CHECK(s.lr_at(0) == 0.1f);
  CHECK(s.lr_at(1000) == 0.1f);
}

// ---------------------------------------------------------------- Schedule boundaries

namespace {

// 10 warm-up steps, then 100 steps of decay from 0.1 down to 0.01 at step 110.
optim::Schedule decaying(optim::Decay decay) {
  return {.base_lr = 0.1f, .warmup_steps = 10, .total_steps = 110, .decay = decay, .min_lr = 0.01f};
}

}  // namespace

TEST_CASE("warm-up starts at base / warmup and reaches base on its last step") {
  const optim::Schedule s = decaying(optim::Decay::linear);
  CHECK(s.lr_at(0) == near(0.1 / 10));
  CHECK(s.lr_at(4) == near(0.1 * 5 / 10));
  CHECK(s.lr_at(9) == near(0.1));
}

TEST_CASE("warm-up rises strictly step by step") {
  const optim::Schedule s = decaying(optim::Decay::cosine);
  for (int64_t step = 1; step < 10; ++step) {
    CAPTURE(step);
    CHECK(s.lr_at(step) > s.lr_at(step - 1));
  }
}

TEST_CASE("decay starts from base at step warmup") {
  CHECK(decaying(optim::Decay::linear).lr_at(10) == near(0.1));
  CHECK(decaying(optim::Decay::cosine).lr_at(10) == near(0.1));
  CHECK(decaying(optim::Decay::linear).lr_at(11) < decaying(optim::Decay::linear).lr_at(10));
}

TEST_CASE("linear decay is halfway between base and min at its midpoint") {
  const optim::Schedule s = decaying(optim::Decay::linear);
  CHECK(s.lr_at(60) == near(0.01 + (0.1 - 0.01) * 0.5));
  CHECK(s.lr_at(35) == near(0.01 + (0.1 - 0.01) * 0.75));
}

TEST_CASE("cosine decay is (base + min) / 2 at its midpoint and follows the cosine") {
  const optim::Schedule s = decaying(optim::Decay::cosine);
  CHECK(s.lr_at(60) == near((0.1 + 0.01) / 2));
  const double quarter = 0.01 + (0.1 - 0.01) * 0.5 * (1.0 + std::cos(std::numbers::pi * 0.25));
  CHECK(s.lr_at(35) == near(quarter));
}

TEST_CASE("decay reaches min_lr at total_steps and stays there") {
  for (optim::Decay decay : {optim::Decay::linear, optim::Decay::cosine}) {
    const optim::Schedule s = decaying(decay);
    CHECK(s.lr_at(109) > 0.01f);
    CHECK(s.lr_at(110) == near(0.01));
    CHECK(s.lr_at(111) == near(0.01));
    CHECK(s.lr_at(100000) == near(0.01));
  }
}

TEST_CASE("a constant schedule with warm-up holds base after the warm-up") {
  const optim::Schedule s{.base_lr = 0.2f, .warmup_steps = 4};
  CHECK(s.lr_at(0) == near(0.05));
  CHECK(s.lr_at(3) == near(0.2));
  CHECK(s.lr_at(4) == near(0.2));
  CHECK(s.lr_at(1000) == near(0.2));
}

TEST_CASE("a decay whose warm-up does not end before total_steps throws") {
  const optim::Schedule equal{
      .base_lr = 0.1f, .warmup_steps = 10, .total_steps = 10, .decay = optim::Decay::linear};
  const optim::Schedule longer{
      .base_lr = 0.1f, .warmup_steps = 20, .total_steps = 10, .decay = optim::Decay::cosine};
  const optim::Schedule no_total{.base_lr = 0.1f, .decay = optim::Decay::linear};
  CHECK_THROWS_AS(equal.lr_at(0), Error);
  CHECK_THROWS_AS(longer.lr_at(5), Error);
  CHECK_THROWS_AS(no_total.lr_at(0), Error);
}

TEST_CASE("a negative step or negative warm-up throws") {
  CHECK_THROWS_AS(decaying(optim::Decay::linear).lr_at(-1), Error);
  const optim::Schedule s{.base_lr = 0.1f, .warmup_steps = -1};
  CHECK_THROWS_AS(s.lr_at(0), Error);
}

TEST_CASE("a schedule refuses rates that are negative or not finite, and min_lr above base_lr") {
  // Accepted, a min_lr above base_lr made the decay raise the rate, and a negative rate surfaced
  // only as the optimizer's refusal, far from its cause.
  const optim::Schedule rising{
      .base_lr = 1e-4f, .total_steps = 10, .decay = optim::Decay::linear, .min_lr = 1e-3f};
  CHECK_THROWS_WITH_AS(rising.lr_at(0), "Schedule: min_lr 0.001 must lie in [0, base_lr 0.0001]",
                       Error);
  const optim::Schedule negative_min{
      .base_lr = 1e-3f, .total_steps = 10, .decay = optim::Decay::cosine, .min_lr = -1e-4f};
  CHECK_THROWS_WITH_AS(negative_min.lr_at(5), doctest::Contains("min_lr -0.0001"), Error);
  const optim::Schedule nan_min{
      .base_lr = 1e-3f, .total_steps = 10, .decay = optim::Decay::cosine, .min_lr = NAN};
  CHECK_THROWS_WITH_AS(nan_min.lr_at(5), doctest::Contains("min_lr nan"), Error);
  CHECK_THROWS_WITH_AS((optim::Schedule{.base_lr = -1e-3f}.lr_at(0)),
                       "Schedule: base_lr -0.001 must be finite and >= 0", Error);
  CHECK_THROWS_WITH_AS((optim::Schedule{.base_lr = INFINITY}.lr_at(0)),
                       doctest::Contains("base_lr inf"), Error);
  // min_lr is not used without a decay, and may equal base_lr with one.
  CHECK((optim::Schedule{.base_lr = 1e-4f, .min_lr = 1e-3f}.lr_at(3)) == 1e-4f);
  const optim::Schedule flat{
      .base_lr = 1e-3f, .total_steps = 10, .decay = optim::Decay::linear, .min_lr = 1e-3f};
  CHECK(flat.lr_at(5) == 1e-3f);
}

// ---------------------------------------------------------------- clip_grad_norm

namespace {

double global_norm(const std::vector<Variable>& params) {
  double squares = 0.0;
  for (const Variable& p : params)
    if (p.grad().defined())
      for (float g : p.grad().to_vector<float>()) squares += static_cast<double>(g) * g;
  return std::sqrt(squares);
}

struct ThreeFourTwelve {
  Variable a{from_vector<float>({0, 0}), true};
  Variable b{from_vector<float>({0}), true};
  ThreeFourTwelve() {
    a.set_grad(from_vector<float>({3, 4}));
    b.set_grad(from_vector<float>({12}));
  }
};

}  // namespace

TEST_CASE("clip_grad_norm returns the global norm before clipping") {
  ThreeFourTwelve p;
  CHECK(optim::clip_grad_norm({p.a, p.b}, 1.0) == near(13.0));
  // The return value is the norm before clipping, not after.
  CHECK(global_norm({p.a, p.b}) == near(1.0, 1e-5));
}

TEST_CASE("clip_grad_norm scales every gradient down to max_norm, keeping the direction") {
  ThreeFourTwelve p;
  optim::clip_grad_norm({p.a, p.b}, 2.6);
  CHECK(global_norm({p.a, p.b}) == near(2.6, 1e-5));
  const std::vector<float> ga = p.a.grad().to_vector<float>();
  CHECK(ga[0] == near(0.6, 1e-5));
  CHECK(ga[1] == near(0.8, 1e-5));
  CHECK(p.b.grad().item<float>() == near(2.4, 1e-5));
}

TEST_CASE("clip_grad_norm leaves gradients below or at max_norm unchanged") {
  ThreeFourTwelve p;
  CHECK(optim::clip_grad_norm({p.a, p.b}, 100.0) == near(13.0));
  CHECK(p.a.grad().to_vector<float>() == std::vector<float>{3, 4});
  CHECK(p.b.grad().to_vector<float>() == std::vector<float>{12});
  optim::clip_grad_norm({p.a, p.b}, 13.0);
  CHECK(p.a.grad().to_vector<float>() == std::vector<float>{3, 4});
  CHECK(p.b.grad().to_vector<float>() == std::vector<float>{12});
}

TEST_CASE("clip_grad_norm skips parameters without a gradient") {
  ThreeFourTwelve p;
  Variable frozen(from_vector<float>({100, 100}), true);
  CHECK(optim::clip_grad_norm({p.a, frozen, p.b}, 1.0) == near(13.0));
  CHECK_FALSE(frozen.grad().defined());
  CHECK(global_norm({p.a, p.b}) == near(1.0, 1e-5));
}

TEST_CASE("clip_grad_norm of no gradients is zero") {
  Variable frozen(from_vector<float>({1, 2}), true);
  CHECK(optim::clip_grad_norm({frozen}, 1.0) == 0.0);
  CHECK(optim::clip_grad_norm({}, 1.0) == 0.0);
}

TEST_CASE("clip_grad_norm rejects a non-positive max_norm") {
  ThreeFourTwelve p;
  CHECK_THROWS_AS(optim::clip_grad_norm({p.a, p.b}, 0.0), Error);
  CHECK_THROWS_AS(optim::clip_grad_norm({p.a, p.b}, -1.0), Error);
  CHECK(p.a.grad().to_vector<float>() == std::vector<float>{3, 4});
}

TEST_CASE("clip_grad_norm returns a non-finite norm without touching the gradients") {
  Variable a(zeros({2}), true);
  a.set_grad(from_vector<float>({NAN, 1.0f}));
  CHECK(std::isnan(optim::clip_grad_norm({a}, 1.0)));
  CHECK(a.grad().at<float>({1}) == 1.0f);
  a.set_grad(from_vector<float>({INFINITY, 1.0f}));
  CHECK(std::isinf(optim::clip_grad_norm({a}, 1.0)));
  CHECK(a.grad().at<float>({1}) == 1.0f);
}

TEST_CASE("clip_grad_norm clips finite gradients whose squares overflow float") {
  // Squared in float, anything above 1.8e19 gave an infinite norm, and the step was never clipped.
  Variable a(zeros({2}), true), b(zeros({1}), true);
  a.set_grad(from_vector<float>({3e19f, 4e19f}));
  b.set_grad(from_vector<float>({12e19f}));
  CHECK(optim::clip_grad_norm({a, b}, 1.0) == near(13e19));
  CHECK(a.grad().at<float>({0}) == near(3.0 / 13.0, 1e-6));
  CHECK(a.grad().at<float>({1}) == near(4.0 / 13.0, 1e-6));
  CHECK(b.grad().item<float>() == near(12.0 / 13.0, 1e-6));
  // A norm past float's range: its factor, below float's normal range, kept few digits as a float.
  const float big = 3e38f;
  Variable c(zeros({20000}), true);
  c.set_grad(full({20000}, big));
  const double norm = std::sqrt(20000.0) * static_cast<double>(big);
  CHECK(optim::clip_grad_norm({c}, 1e-3) == near(norm));
  for (float g : c.grad().to_vector<float>()) REQUIRE(g == near(1e-3 / std::sqrt(20000.0), 1e-6));
}

namespace {

// Gradients of sizes on both sides of the clip's chunk of 8192 and the parallel grain, one of them
// a transposed (non-contiguous) view; after clipping to half their norm, the norm returned and
// every gradient.
std::pair<double, std::vector<std::vector<float>>> clip_many(int threads) {
  set_num_threads(threads);
  std::vector<Variable> params;
  for (int64_t size : {1, 8191, 8193, 40000, 3, 0, 70001}) {
    Generator gen(static_cast<uint64_t>(size));
    params.emplace_back(zeros({size}), true);
    params.back().set_grad(randn({size}, gen));
  }
  Generator gen(7);
  params.emplace_back(zeros({300, 200}), true);
  params.back().set_grad(randn({200, 300}, gen).transpose(0, 1));
  const double before = global_norm(params);
  const double norm = optim::clip_grad_norm(params, before / 2);
  CHECK(norm == near(before, 1e-6));
  CHECK(global_norm(params) == near(before / 2, 1e-5));
  std::vector<std::vector<float>> grads;
  for (const Variable& p : params) grads.push_back(p.grad().to_vector<float>());
  return {norm, grads};
}

}  // namespace

TEST_CASE("clip_grad_norm is one pass over all gradients, the same at every thread count") {
  const int threads = num_threads();
  const auto one = clip_many(1);
  CHECK(clip_many(2) == one);
  CHECK(clip_many(3) == one);
  set_num_threads(threads);
}

TEST_CASE("clip_grad_norm refuses a gradient listed twice") {
  ThreeFourTwelve p;
  CHECK_THROWS_WITH_AS(
      optim::clip_grad_norm({p.a, p.b, p.a}, 1.0),
      "clip_grad_norm: parameter 2 has the gradient of parameter 0 (listed twice?)", Error);
  CHECK(p.a.grad().to_vector<float>() == std::vector<float>{3, 4});
}
