#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "synthgrad/core/core.h"
#include "synthgrad/optim/optim.h"

using namespace sg;

namespace {

// Expected values are written in double from the published update rules; the kernels run in
// float, so the comparison allows 1e-6 relative error (scale 0: no absolute slack).
void check_close(const Variable& w, const std::vector<double>& expected) {
  const std::vector<float> got = w.data().to_vector<float>();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-6).scale(0));
  }
}

Tensor tensor(const std::vector<double>& values) {
  return from_vector(std::vector<float>(values.begin(), values.end()));
}

const std::vector<double> kP0 = {1.0, -2.0, 0.5};
const std::vector<double> kG1 = {0.5, -1.0, 2.0};
const std::vector<double> kG2 = {1.0, 0.25, -0.5};

}  // namespace

// ---------------------------------------------------------------- SGD, two steps by hand

TEST_CASE("plain SGD takes lr-sized steps against the gradient") {
  Variable w(from_vector<float>({1, -2}), true);
  optim::SGD sgd({{{w}}}, {.lr = 0.5f});
  w.set_grad(from_vector<float>({2, 4}));
  sgd.step();
  CHECK(w.data().to_vector<float>() == std::vector<float>{0, -4});
}

TEST_CASE("plain SGD: two steps match p -= lr g") {
  const double lr = 0.1;
  Variable w(tensor(kP0), true);
  optim::SGD sgd({{{w}}}, {.lr = 0.1f});
  std::vector<double> p = kP0;
  for (const auto* g : {&kG1, &kG2}) {
    w.set_grad(tensor(*g));
    sgd.step();
    for (size_t i = 0; i < p.size(); ++i) p[i] -= lr * (*g)[i];
    check_close(w, p);
  }
  CHECK(sgd.step_count() == 2);
}

TEST_CASE("SGD weight decay adds wd p to the gradient") {
  const double lr = 0.1, wd = 0.2;
  Variable w(tensor(kP0), true);
  optim::SGD sgd({{.params = {w}, .weight_decay = 0.2f}}, {.lr = 0.1f});
  std::vector<double> p = kP0;
  for (const auto* g : {&kG1, &kG2}) {
    w.set_grad(tensor(*g));
    sgd.step();
    for (size_t i = 0; i < p.size(); ++i) p[i] -= lr * ((*g)[i] + wd * p[i]);
    check_close(w, p);
  }
}

TEST_CASE("SGD momentum: buf = g on the first step, then buf = mu buf + g") {
  const double lr = 0.1, mu = 0.9;
  Variable w(tensor(kP0), true);
  optim::SGD sgd({{{w}}}, {.lr = 0.1f, .momentum = 0.9f});
  std::vector<double> p = kP0, buf(3);

  w.set_grad(tensor(kG1));
  sgd.step();
  for (size_t i = 0; i < 3; ++i) {
    buf[i] = kG1[i];
    p[i] -= lr * buf[i];
  }
  check_close(w, p);

  w.set_grad(tensor(kG2));
  sgd.step();
  for (size_t i = 0; i < 3; ++i) {
    buf[i] = mu * buf[i] + kG2[i];
    p[i] -= lr * buf[i];
  }
  check_close(w, p);
}

TEST_CASE("SGD momentum accumulates the weight-decayed gradient") {
  const double lr = 0.1, mu = 0.9, wd = 0.2;
  Variable w(tensor(kP0), true);
  optim::SGD sgd({{.params = {w}, .weight_decay = 0.2f}}, {.lr = 0.1f, .momentum = 0.9f});
  std::vector<double> p = kP0, buf(3);
  bool first = true;
  for (const auto* g : {&kG1, &kG2}) {
    w.set_grad(tensor(*g));
    sgd.step();
    for (size_t i = 0; i < 3; ++i) {
      const double gi = (*g)[i] + wd * p[i];
      buf[i] = first ? gi : mu * buf[i] + gi;
      p[i] -= lr * buf[i];
    }
    first = false;
    check_close(w, p);
  }
}

TEST_CASE("SGD Nesterov steps along g + mu buf") {
  const double lr = 0.1, mu = 0.9;
  Variable w(tensor(kP0), true);
  optim::SGD sgd({{{w}}}, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
  std::vector<double> p = kP0, buf(3);

  w.set_grad(tensor(kG1));
  sgd.step();
  for (size_t i = 0; i < 3; ++i) {
    buf[i] = kG1[i];
    p[i] -= lr * (kG1[i] + mu * buf[i]);
  }
  check_close(w, p);

  w.set_grad(tensor(kG2));
  sgd.step();
  for (size_t i = 0; i < 3; ++i) {
    buf[i] = mu * buf[i] + kG2[i];
    p[i] -= lr * (kG2[i] + mu * buf[i]);
  }
  check_close(w, p);
}

TEST_CASE("SGD rejects negative momentum and Nesterov without momentum") {
  Variable w(tensor(kP0), true);
  CHECK_THROWS_AS(optim::SGD({{{w}}}, {.momentum = -0.1f}), Error);
  CHECK_THROWS_AS(optim::SGD({{{w}}}, {.momentum = 0.0f, .nesterov = true}), Error);
}

// ---------------------------------------------------------------- Adam / AdamW, two steps by hand

namespace {

// Kingma & Ba with bias correction; `l2` is added to the gradient (Adam), `decoupled` shrinks the
// weights by 1 - lr wd before the step (AdamW, Loshchilov & Hutter).
std::vector<double> adam_reference(std::vector<double> p, const std::vector<double>& g, double lr,
                                   double wd, bool decoupled, std::vector<double>& m,
                                   std::vector<double>& v, int t) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  for (size_t i = 0; i < p.size(); ++i) {
    if (decoupled) p[i] *= 1.0 - lr * wd;
    const double gi = g[i] + (decoupled ? 0.0 : wd * p[i]);
    m[i] = b1 * m[i] + (1.0 - b1) * gi;
    v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
    const double m_hat = m[i] / (1.0 - std::pow(b1, t));
    const double v_hat = v[i] / (1.0 - std::pow(b2, t));
    p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
  }
  return p;
}

const optim::AdamOptions kAdam{.lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};

}  // namespace

TEST_CASE("Adam without decay: two bias-corrected steps") {
  Variable w(tensor(kP0), true);
  optim::Adam adam({{{w}}}, kAdam);
  std::vector<double> p = kP0, m(3), v(3);

  w.set_grad(tensor(kG1));
  adam.step();
  // First step: m_hat = g and v_hat = g^2, so each weight moves by lr against sign(g).
  check_close(w, {1.0 - 0.1, -2.0 + 0.1, 0.5 - 0.1});
  p = adam_reference(p, kG1, 0.1, 0.0, false, m, v, 1);
  check_close(w, p);

  w.set_grad(tensor(kG2));
  adam.step();
  p = adam_reference(p, kG2, 0.1, 0.0, false, m, v, 2);
  check_close(w, p);
}

TEST_CASE("Adam weight decay is L2 added to the gradient") {
  // p = 2 with g = -0.1 and wd 0.1: the decayed gradient -0.1 + 0.2 flips sign, so even the
  // normalised first step shows whether decay went into the gradient.
  const std::vector<double> p0 = {2.0, -1.0, 0.5}, g1 = {-0.1, 0.3, 1.0}, g2 = {0.2, -0.4, 0.1};
  Variable w(tensor(p0), true);
  optim::Adam adam({{.params = {w}, .weight_decay = 0.1f}}, kAdam);
  std::vector<double> p = p0, m(3), v(3);

  w.set_grad(tensor(g1));
  adam.step();
  p = adam_reference(p, g1, 0.1, 0.1, false, m, v, 1);
  CHECK(p[0] < p0[0]);  // moved against the decayed gradient, not the raw one
  check_close(w, p);

  w.set_grad(tensor(g2));
  adam.step();
  p = adam_reference(p, g2, 0.1, 0.1, false, m, v, 2);
  check_close(w, p);
}

TEST_CASE("AdamW shrinks the weights by 1 - lr wd before the Adam step") {
  const std::vector<double> p0 = {2.0, -1.0, 0.5}, g1 = {-0.1, 0.3, 1.0}, g2 = {0.2, -0.4, 0.1};
  Variable w(tensor(p0), true);
  optim::Adam adamw = optim::AdamW({{.params = {w}, .weight_decay = 0.1f}}, kAdam);
  std::vector<double> p = p0, m(3), v(3);

  w.set_grad(tensor(g1));
  adamw.step();
  check_close(w, {2.0 * 0.99 + 0.1, -1.0 * 0.99 - 0.1, 0.5 * 0.99 - 0.1});
  p = adam_reference(p, g1, 0.1, 0.1, true, m, v, 1);
  check_close(w, p);

  w.set_grad(tensor(g2));
  adamw.step();
  p = adam_reference(p, g2, 0.1, 0.1, true, m, v, 2);
  check_close(w, p);
}

TEST_CASE("Adam rejects betas outside 0..1 and an eps that is not positive and finite") {
  Variable w(tensor(kP0), true);
  CHECK_THROWS_AS(optim::Adam({{{w}}}, {.beta1 = 1.0f}), Error);
  CHECK_THROWS_AS(optim::Adam({{{w}}}, {.beta2 = -0.1f}), Error);
  CHECK_THROWS_AS(optim::Adam({{{w}}}, {.eps = 0.0f}), Error);
  // An infinite eps would silently stop every update.
  CHECK_THROWS_AS(optim::Adam({{{w}}}, {.eps = INFINITY}), Error);
}

// ---------------------------------------------------------------- groups, lr, missing gradients

// A copied optimizer shared its moment tensors with the original: stepping both corrupted both.
static_assert(!std::is_copy_constructible_v<optim::Adam> && !std::is_copy_assignable_v<optim::SGD>,
              "optimizers are not copyable");

TEST_CASE("step() leaves parameters without a gradient untouched") {
  Variable a(tensor(kP0), true), b(from_vector<float>({3, 4}), true);
  optim::SGD sgd({{{a, b}}}, {.lr = 0.1f, .momentum = 0.9f});
  a.set_grad(tensor(kG1));
  sgd.step();
  CHECK(b.data().to_vector<float>() == std::vector<float>{3, 4});
  CHECK(a.data().to_vector<float>() != std::vector<float>(kP0.begin(), kP0.end()));

  // After zero_grad a has a momentum buffer but no gradient: it must not keep coasting.
  sgd.zero_grad();
  const std::vector<float> a_before = a.data().to_vector<float>();
  b.set_grad(from_vector<float>({1, 1}));
  sgd.step();
  CHECK(a.data().to_vector<float>() == a_before);
  check_close(b, {3.0 - 0.1, 4.0 - 0.1});
}

TEST_CASE("Adam skips parameters whose gradient is cleared") {
  Variable a(tensor(kP0), true);
  optim::Adam adam({{{a}}}, kAdam);
  a.set_grad(tensor(kG1));
  adam.step();
  adam.zero_grad();
  CHECK_FALSE(a.grad().defined());
  const std::vector<float> before = a.data().to_vector<float>();
  adam.step();
  CHECK(a.data().to_vector<float>() == before);
  CHECK(adam.step_count() == 2);
}

TEST_CASE("each group's weight_decay and lr_scale are honoured") {
  Variable a(from_vector<float>({1, 2}), true), b(from_vector<float>({1, 2}), true);
  optim::SGD sgd({{.params = {a}, .weight_decay = 0.5f, .lr_scale = 1.0f},
                  {.params = {b}, .weight_decay = 0.0f, .lr_scale = 0.25f}},
                 {.lr = 0.1f});
  a.set_grad(from_vector<float>({1, 1}));
  b.set_grad(from_vector<float>({1, 1}));
  sgd.step();
  check_close(a, {1.0 - 0.1 * (1.0 + 0.5 * 1.0), 2.0 - 0.1 * (1.0 + 0.5 * 2.0)});
  check_close(b, {1.0 - 0.025 * 1.0, 2.0 - 0.025 * 1.0});
}

TEST_CASE("AdamW decay and step use the group's scaled learning rate") {
  Variable w(from_vector<float>({2, -1}), true);
  optim::Adam adamw =
      optim::AdamW({{.params = {w}, .weight_decay = 0.1f, .lr_scale = 0.5f}}, kAdam);
  w.set_grad(from_vector<float>({1, 1}));
  adamw.step();
  const double lr = 0.05;  // 0.1 * 0.5
  check_close(w, {2.0 * (1.0 - lr * 0.1) - lr, -1.0 * (1.0 - lr * 0.1) - lr});
}

TEST_CASE("decay_groups decays matrices and embeddings but not biases or LayerNorm weights") {
  Variable fc_w(zeros({3, 2}), true), fc_b(zeros({3}), true), ln_w(zeros({3}), true),
      emb(zeros({5, 3}), true);
  const auto groups = optim::decay_groups(
      {{"fc.weight", fc_w}, {"fc.bias", fc_b}, {"ln.weight", ln_w}, {"emb.weight", emb}}, 0.01f);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].weight_decay == 0.01f);
  REQUIRE(groups[0].params.size() == 2);
  CHECK(groups[0].params[0].impl() == fc_w.impl());
  CHECK(groups[0].params[1].impl() == emb.impl());
  CHECK(groups[1].weight_decay == 0.0f);
  REQUIRE(groups[1].params.size() == 2);
  CHECK(groups[1].params[0].impl() == fc_b.impl());
  CHECK(groups[1].params[1].impl() == ln_w.impl());
  CHECK(groups[0].lr_scale == 1.0f);
  CHECK(groups[1].lr_scale == 1.0f);
}

TEST_CASE("set_lr changes the step size and rejects a negative rate") {
  Variable w(from_vector<float>({1, 1}), true);
  optim::SGD sgd({{{w}}}, {.lr = 0.1f});
  w.set_grad(from_vector<float>({1, 2}));
  sgd.step();
  check_close(w, {0.9, 0.8});
  sgd.set_lr(0.01f);
  CHECK(sgd.lr() == 0.01f);
  sgd.step();
  check_close(w, {0.89, 0.78});

  CHECK_THROWS_AS(sgd.set_lr(-0.1f), Error);
  CHECK(sgd.lr() == 0.01f);
  CHECK_THROWS_AS(optim::SGD({{{w}}}, {.lr = -1.0f}), Error);
}

TEST_CASE("set_lr and SGD's momentum refuse values that are not finite, saying so") {
  // An infinite rate was taken (every parameter became inf or NaN at the next step), and NaN was
  // refused as "negative".
  Variable w(from_vector<float>({1, 1}), true);
  optim::SGD sgd({{{w}}}, {.lr = 0.1f});
  CHECK_THROWS_WITH_AS(sgd.set_lr(INFINITY), "Optimizer: learning rate inf must be finite and >= 0",
                       Error);
  CHECK_THROWS_WITH_AS(sgd.set_lr(NAN), "Optimizer: learning rate nan must be finite and >= 0",
                       Error);
  CHECK(sgd.lr() == 0.1f);
  CHECK_THROWS_WITH_AS(optim::SGD({{{w}}}, {.momentum = INFINITY}),
                       "SGD: momentum inf must be finite and >= 0", Error);
  CHECK_THROWS_WITH_AS(optim::SGD({{{w}}}, {.momentum = NAN}),
                       "SGD: momentum nan must be finite and >= 0", Error);
}

// ---------------------------------------------------------------- state round trip

namespace {

Variable copy_of(const Variable& v) {
  return Variable(v.data().clone(), true);
}

template <class Make>
void check_round_trip(Make make) {
  Variable w(from_vector<float>({0.5f, -1.0f, 2.0f, 0.25f}, {2, 2}), true);
  Variable b(from_vector<float>({0.1f, -0.2f}), true);
  auto original = make(std::vector<Variable>{w, b});
  const std::vector<std::vector<float>> grads = {
      {0.3f, -0.1f, 0.7f, 0.2f}, {-0.4f, 0.6f, 0.1f, -0.9f}, {1.1f, 0.05f, -0.3f, 0.4f}};
  for (const auto& g : grads) {
    w.set_grad(from_vector(g, {2, 2}));
    b.set_grad(from_vector<float>({g[0], g[1]}));
    original.step();
  }
  const NamedTensorList state = original.state();

  Variable w2 = copy_of(w), b2 = copy_of(b), w3 = copy_of(w), b3 = copy_of(b);
  auto restored = make(std::vector<Variable>{w2, b2});
  restored.load_state(state);
  CHECK(restored.step_count() == 3);
  auto fresh = make(std::vector<Variable>{w3, b3});  // same weights, no state

  const Tensor gw = from_vector<float>({-0.2f, 0.8f, 0.3f, -0.6f}, {2, 2});
  const Tensor gb = from_vector<float>({0.5f, 0.7f});
  for (Variable* p : {&w, &w2, &w3}) p->set_grad(gw.clone());
  for (Variable* p : {&b, &b2, &b3}) p->set_grad(gb.clone());
  original.step();
  restored.step();
  fresh.step();
  CHECK(restored.step_count() == original.step_count());
  CHECK(w2.data().to_vector<float>() == w.data().to_vector<float>());
  CHECK(b2.data().to_vector<float>() == b.data().to_vector<float>());
  // The loaded state mattered: without it the same step lands elsewhere.
  CHECK(w3.data().to_vector<float>() != w.data().to_vector<float>());
}

}  // namespace

TEST_CASE("Adam state round trip resumes bit for bit") {
  check_round_trip([](std::vector<Variable> ps) {
    return optim::Adam({{.params = {ps[0]}, .weight_decay = 0.1f}, {.params = {ps[1]}}}, kAdam);
  });
}

TEST_CASE("SGD momentum state round trip resumes bit for bit") {
  check_round_trip([](std::vector<Variable> ps) {
    return optim::SGD({{.params = {ps[0]}, .weight_decay = 0.1f}, {.params = {ps[1]}}},
                      {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
  });
}

TEST_CASE("state names the step count and every slot") {
  Variable w(tensor(kP0), true);
  optim::Adam adam({{{w}}}, kAdam);
  w.set_grad(tensor(kG1));
  adam.step();
  const NamedTensorList state = adam.state("opt.");
  REQUIRE(state.size() == 4);
  CHECK(state[0].first == "opt.step");
  CHECK(state[0].second.item<int64_t>() == 1);
  CHECK(state[1].first == "opt.group0.param0.steps");
  CHECK(state[1].second.item<int64_t>() == 1);
  CHECK(state[2].first == "opt.group0.param0.exp_avg");
  CHECK(state[3].first == "opt.group0.param0.exp_avg_sq");
  CHECK(state[2].second.shape() == w.shape());
}

TEST_CASE("Adam's bias correction counts each parameter's own updates") {
  // b gets its first gradient at the second step: its first update must be as large as a's was
  // (about lr for Adam's first step), not shrunk by the global step's bias correction.
  Variable a(tensor({1.0f}), true), b(tensor({1.0f}), true);
  optim::Adam adam({{{a, b}}}, {.lr = 0.1f});
  a.set_grad(tensor({0.5f}));
  adam.step();
  b.set_grad(tensor({0.5f}));
  a.zero_grad();
  adam.step();
  CHECK(a.data().item<float>() == doctest::Approx(0.9f).epsilon(1e-6).scale(0));
  CHECK(b.data().item<float>() == doctest::Approx(0.9f).epsilon(1e-6).scale(0));
}

namespace {

NamedTensorList adam_state_after_one_step(const Variable& w) {
  Variable source = copy_of(w);
  optim::Adam adam({{{source}}}, kAdam);
  source.set_grad(tensor(kG1));
  adam.step();
  return adam.state();
}

}  // namespace

TEST_CASE("load_state rejects a slot of the wrong shape, naming the tensor") {
  Variable w(tensor(kP0), true);
  NamedTensorList state = adam_state_after_one_step(w);
  REQUIRE(state[2].first == "optimizer.group0.param0.exp_avg");
  state[2].second = zeros({2});
  optim::Adam adam({{{w}}}, kAdam);
  CHECK_THROWS_WITH_AS(adam.load_state(state), doctest::Contains("optimizer.group0.param0.exp_avg"),
                       Error);
  CHECK(adam.step_count() == 0);  // a failed load changes nothing
}

TEST_CASE("load_state rejects a slot of the wrong dtype, naming the dtype") {
  Variable w(tensor(kP0), true);
  NamedTensorList state = adam_state_after_one_step(w);
  REQUIRE(state[2].first == "optimizer.group0.param0.exp_avg");
  state[2].second = zeros({3}, DType::i32);
  optim::Adam adam({{{w}}}, kAdam);
  // It said "has shape [3], the parameter has [3]".
  CHECK_THROWS_WITH_AS(adam.load_state(state),
                       "Optimizer::load_state: 'optimizer.group0.param0.exp_avg' has dtype i32, "
                       "not f32",
                       Error);
  CHECK(adam.step_count() == 0);
}

TEST_CASE("load_state rejects a negative step count, as it does per parameter") {
  Variable w(tensor(kP0), true);
  NamedTensorList state = adam_state_after_one_step(w);
  REQUIRE(state[0].first == "optimizer.step");
  state[0].second = from_vector<int64_t>({-5});
  optim::Adam adam({{{w}}}, kAdam);
  CHECK_THROWS_WITH_AS(adam.load_state(state),
                       "Optimizer::load_state: 'optimizer.step' -5 is negative", Error);
  CHECK(adam.step_count() == 0);
  state[0].second = from_vector<int64_t>({0});
  CHECK_NOTHROW(adam.load_state(state));
}

TEST_CASE("load_state rejects a state without its step count, naming the tensor") {
  Variable w(tensor(kP0), true);
  NamedTensorList state = adam_state_after_one_step(w);
  REQUIRE(state[0].first == "optimizer.step");
  state.erase(state.begin());
  optim::Adam adam({{{w}}}, kAdam);
  CHECK_THROWS_WITH_AS(adam.load_state(state), doctest::Contains("optimizer.step"), Error);
}

TEST_CASE("load_state rejects state tensors that match no parameter") {
  Variable w(tensor(kP0), true);
  NamedTensorList state = adam_state_after_one_step(w);
  state.emplace_back("optimizer.group1.param0.exp_avg", zeros({3}));
  optim::Adam adam({{{w}}}, kAdam);
  CHECK_THROWS_AS(adam.load_state(state), Error);
}

TEST_CASE("decay_groups keeps every bias out of decay, whatever its rank") {
  Variable weight(zeros({3, 4}), true), dense_bias(zeros({2, 6}), true), norm(zeros({4}), true);
  const auto groups = optim::decay_groups(
      {{"D.weight", weight}, {"D.bias", dense_bias}, {"norm.weight", norm}}, 0.1f);
  REQUIRE(groups.size() == 2);
  REQUIRE(groups[0].params.size() == 1);
  CHECK(groups[0].params[0].impl() == weight.impl());
  CHECK(groups[1].params.size() == 2);
}

TEST_CASE(
    "decay_groups_with_scaled puts one parameter in a group of its own at a fraction of the rate") {
  Variable embedding(zeros({5, 4}), true), weight(zeros({4, 4}), true), bias(zeros({4}), true);
  const std::vector<std::pair<std::string, Variable>> named{
      {"trunk.tokens.weight", embedding}, {"block.weight", weight}, {"block.bias", bias}};
  const auto groups = optim::decay_groups_with_scaled(named, 0.1f, "trunk.tokens.weight", 0.25f);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].params.size() == 1);
  CHECK(groups[0].params[0].impl() == weight.impl());
  CHECK(groups[1].params[0].impl() == bias.impl());
  REQUIRE(groups[2].params.size() == 1);
  CHECK(groups[2].params[0].impl() == embedding.impl());
  CHECK(groups[2].lr_scale == 0.25f);
  CHECK(groups[2].weight_decay == 0.1f);  // a matrix: decayed, as in decay_groups
  CHECK(groups[0].lr_scale == 1.0f);
  CHECK_THROWS_WITH(optim::decay_groups_with_scaled(named, 0.1f, "tokens.weight", 0.0f),
                    doctest::Contains("no parameter is called 'tokens.weight'"));
}

TEST_CASE("a group at rate scale 0 stays where it started while the others move") {
  Variable frozen(full({3}, 1.0f), true), moving(full({3}, 1.0f), true);
  optim::Adam adam(optim::decay_groups_with_scaled({{"frozen", frozen}, {"moving", moving}}, 0.0f,
                                                   "frozen", 0.0f),
                   {.lr = 0.1f});
  frozen.set_grad(full({3}, 1.0f));
  moving.set_grad(full({3}, 1.0f));
  adam.step();
  CHECK(frozen.data().to_vector<float>() == std::vector<float>{1.0f, 1.0f, 1.0f});
  CHECK(moving.data().to_vector<float>()[0] < 1.0f);
}

// ---------------------------------------------------------------- one pass over all parameters

namespace {

// Parameters of sizes around the parallel grain (so that one thread's range spans the end of one
// and the start of the next), an empty one, and one left without a gradient: every parameter's
// values after three steps of AdamW.
std::vector<std::vector<float>> after_three_steps(bool one_optimizer_per_parameter) {
  const std::vector<int64_t> sizes{1, 7, kParallelGrain + 3, 0, 2 * kParallelGrain - 5, 3, 11};
  std::vector<Variable> params;
  for (size_t i = 0; i < sizes.size(); ++i) {
    Generator gen(40 + i);
    params.emplace_back(randn({sizes[i]}, gen), true);
  }
  std::vector<optim::Adam> optimizers;
  const optim::AdamOptions options{.lr = 0.01f, .decoupled_weight_decay = true};
  if (one_optimizer_per_parameter) {
    for (const Variable& p : params)
      optimizers.emplace_back(std::vector<optim::ParamGroup>{{{p}, 0.1f}}, options);
  } else {
    optimizers.emplace_back(std::vector<optim::ParamGroup>{{params, 0.1f}}, options);
  }
  for (uint64_t step = 0; step < 3; ++step) {
    for (size_t i = 0; i < params.size(); ++i) {
      Generator gen(100 * step + i);
      if (i != 5) params[i].set_grad(randn({sizes[i]}, gen));
    }
    for (optim::Adam& adam : optimizers) adam.step();
  }
  std::vector<std::vector<float>> values;
  for (const Variable& p : params) values.push_back(p.data().to_vector<float>());
  return values;
}

}  // namespace

TEST_CASE("one pass over every parameter updates each as if it were updated alone") {
  const int threads = num_threads();
  const auto alone = after_three_steps(true);
  for (int n : {1, 2, 3}) {
    INFO("threads " << n);
    set_num_threads(n);
    CHECK(after_three_steps(false) == alone);
  }
  set_num_threads(threads);
  Generator gen(45);
  CHECK(alone[5] == randn({3}, gen).to_vector<float>());  // no gradient: untouched
}

TEST_CASE("the state's slots are views of one flat tensor per kind, zero until first updated") {
  Variable a(tensor({1.0f, 2.0f}), true), b(tensor({3.0f}), true);
  optim::SGD sgd({{{a, b}}}, {.lr = 0.1f, .momentum = 0.9f});
  a.set_grad(tensor({0.5f, 0.5f}));
  sgd.step();
  const NamedTensorList state = sgd.state();
  REQUIRE(state.size() == 3);  // the step count, then a's steps and momentum; b has none yet
  CHECK(state[2].second.to_vector<float>() == std::vector<float>{0.5f, 0.5f});
  b.set_grad(tensor({1.0f}));
  sgd.step();
  const NamedTensorList after = sgd.state();
  REQUIRE(after.size() == 5);
  CHECK(after[4].second.to_vector<float>() == std::vector<float>{1.0f});
  CHECK(after[4].second.data<float>() == after[2].second.data<float>() + 2);
}

TEST_CASE("a parameter listed twice, or two sharing their data, is refused") {
  Variable a(tensor({1.0f, 2.0f}), true), b(tensor({3.0f}), true);
  CHECK_THROWS_WITH_AS(optim::Adam({{{a, b}}, {{a}}}, {}),
                       "Optimizer: parameter 0 of group 1 is parameter 0 of group 0 again (or "
                       "shares its data); list each parameter once",
                       Error);
  const Variable view(a.data().narrow(0, 0, 1), true);  // another leaf over a's data
  CHECK_THROWS_AS(optim::SGD({{{a, view}}}, {}), Error);
  const Variable empty(zeros({0}), true), other_empty(zeros({0}), true);
  CHECK_NOTHROW(optim::SGD({{{a, b, empty, other_empty}}}, {}));
  // Overlapping views that start at different places.
  const Tensor base = zeros({4});
  const Variable whole(base, true), tail(base.narrow(0, 1, 2), true);
  CHECK_THROWS_WITH_AS(optim::SGD({{{tail, whole}}}, {}),
                       "Optimizer: parameter 1 of group 0 is parameter 0 of group 0 again (or "
                       "shares its data); list each parameter once",
                       Error);
  CHECK_THROWS_AS(optim::SGD({{{whole}}, {{tail}}}, {}), Error);
  const Variable head(base.narrow(0, 0, 2), true), rest(base.narrow(0, 2, 2), true);
  CHECK_NOTHROW(optim::SGD({{{rest, head}}}, {}));  // side by side, not overlapping
}

TEST_CASE("the optimizer refuses parameters its flat pass cannot update") {
  Generator gen(1);
  const Variable transposed(randn({3, 2}, gen).transpose(0, 1), true);
  CHECK_THROWS_WITH_AS(optim::SGD({{{transposed}}}, {}),
                       "Optimizer: parameter 0 of group 0 (f32 [2, 3]) must be contiguous", Error);
  Variable p(zeros({2}), true);
  CHECK_THROWS_WITH_AS(optim::SGD({{{p}, 0.0f, -1.0f}}, {}),
                       doctest::Contains("group 0 has lr_scale -1 and weight_decay 0"), Error);
  CHECK_THROWS_AS(optim::SGD({{{p}, std::nanf(""), 1.0f}}, {}), Error);
  CHECK_THROWS_WITH_AS(p.set_grad(zeros({2}, DType::i32)),
                       "set_grad: gradient i32 [2] for a variable f32 [2]", Error);
}

TEST_CASE("a refused step changes no parameter, state or count") {
  Variable p(full({2}, 1.0f), true), q(full({2, 2}, 1.0f), true);
  optim::Adam adam({{{p, q}}}, {.lr = 0.1f});
  p.set_grad(full({2}, 1.0f));
  q.set_grad(full({2, 2}, 1.0f));
  q.set_data(full({2, 2}, 1.0f).transpose(0, 1));  // same shape, no longer contiguous
  CHECK_THROWS_WITH_AS(adam.step(), doctest::Contains("parameter 1 of group 0"), Error);
  CHECK(adam.step_count() == 0);
  CHECK(p.data().to_vector<float>() == std::vector<float>{1.0f, 1.0f});
  CHECK(adam.state().size() == 1);  // the step count alone: no parameter has state
}

namespace {

// An optimizer without state slots, which records each update's count t.
class CountingOptimizer : public optim::Optimizer {
 public:
  explicit CountingOptimizer(std::vector<optim::ParamGroup> groups)
      : Optimizer(std::move(groups), 0.1f) {}
  std::vector<int64_t> counts;

 protected:
  RangeUpdate update(const optim::ParamGroup&, const Variable&, const std::vector<Tensor>& slots,
                     int64_t t) override {
    CHECK(slots.empty());
    counts.push_back(t);
    return [](int64_t, int64_t) {};
  }
  std::vector<std::string> slot_names() const override { return {}; }
};

}  // namespace

TEST_CASE("an optimizer without state slots still counts each parameter's updates") {
  Variable a(tensor({1.0f}), true);
  CountingOptimizer optimizer({{{a}}});
  for (int i = 0; i < 3; ++i) {
    a.set_grad(tensor({1.0f}));
    optimizer.step();
  }
  CHECK(optimizer.counts == std::vector<int64_t>{1, 2, 3});
}
