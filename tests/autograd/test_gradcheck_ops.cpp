// Every differentiable op against central finite differences, with broadcasting and
// non-contiguous inputs.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

Tensor random(const Shape& shape, uint64_t seed, float scale = 1.0f) {
  Generator gen(seed);
  return randn(shape, gen, 0.0f, scale);
}

// Values bounded away from zero, for log, sqrt, div and the kinks of relu / max.
Tensor positive(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return rand_uniform(shape, gen, 0.5f, 2.0f);
}

void check(const GradcheckFunction& f, const std::vector<Tensor>& inputs,
           GradcheckOptions options = {}) {
  GradcheckResult r = gradcheck(f, inputs, options);
  INFO(r.message);
  CHECK(r.ok);
}

using Vars = std::vector<Variable>;

}  // namespace

TEST_CASE("gradcheck: add, sub, mul, div with broadcasting") {
  const std::vector<Tensor> in{random({2, 3, 4}, 1), positive({3, 1}, 2)};
  check([](const Vars& v) { return v[0] + v[1]; }, in);
  check([](const Vars& v) { return v[0] - v[1]; }, in);
  check([](const Vars& v) { return v[0] * v[1]; }, in);
  check([](const Vars& v) { return v[0] / v[1]; }, in);
  check([](const Vars& v) { return v[1] / (v[0] * v[0] + 1.0f); }, in);
}

TEST_CASE("gradcheck: scalar forms, neg and pow") {
  const std::vector<Tensor> in{positive({3, 4}, 3)};
  check([](const Vars& v) { return -(2.0f * v[0] + 1.0f) / 3.0f - v[0]; }, in);
  check([](const Vars& v) { return pow(v[0], 3.0f); }, in);
  check([](const Vars& v) { return pow(v[0], -0.5f); }, in);
  // x^0 is constant, also at 0 (x^-1 * 0 made the gradient NaN there).
  check([](const Vars& v) { return pow(v[0], 0.0f); }, {from_vector<float>({0, 1, -2})});
}

TEST_CASE("gradcheck: unary activations on a transposed input") {
  const Tensor x = random({4, 3}, 4).transpose(0, 1);
  const Tensor p = positive({4, 3}, 5).transpose(0, 1);
  check([](const Vars& v) { return exp(v[0]); }, {x});
  check([](const Vars& v) { return tanh(v[0]); }, {x});
  check([](const Vars& v) { return sigmoid(v[0]); }, {x});
  check([](const Vars& v) { return gelu(v[0]); }, {x});
  check([](const Vars& v) { return log(v[0]); }, {p});
  check([](const Vars& v) { return sqrt(v[0]); }, {p});
  check([](const Vars& v) { return relu(v[0] - 1.25f); }, {p});
}

TEST_CASE("softplus: finite and exact at large |x|, gradient checked at moderate x") {
  // Naive log(1 + exp(x)) in float gives inf at 100 and 0 at -30 and -80. (-80 rather than -100:
  // softplus(-100) is about 4e-44, a denormal float with too few digits for a relative check.)
  const std::vector<float> values{-80, -30, -5, -1, 0, 1, 5, 30, 100};
  Variable x(from_vector(values), true);
  Variable y = softplus(x);
  sum(y).backward();
  for (size_t i = 0; i < values.size(); ++i) {
    const int64_t at = static_cast<int64_t>(i);
    const double v = values[i];
    const float out = y.data().at<float>({at});
    INFO("x = " << v << ", softplus = " << out);
    REQUIRE(std::isfinite(out));
    if (v >= 30) {
      CHECK(out == values[i]);  // log1p(exp(-x)) is below half an ulp of x
    } else {
      // Relative: at -30 the value is about 9e-14, where an absolute check would pass anything.
      CHECK(out == doctest::Approx(std::log1p(std::exp(v))).epsilon(1e-6).scale(0));
    }
    const double sigmoid_v = 1.0 / (1.0 + std::exp(-v));
    CHECK(x.grad().at<float>({at}) == doctest::Approx(sigmoid_v).epsilon(1e-6).scale(0));
  }
  const Tensor moderate = random({4, 3}, 32, 3.0f).transpose(0, 1);
  check([](const Vars& v) { return softplus(v[0]); }, {moderate});
}

TEST_CASE("gradcheck: sum, mean and max over axes, with and without keepdim") {
  const Tensor x = random({2, 3, 4}, 6);
  check([](const Vars& v) { return sum(v[0]); }, {x});
  check([](const Vars& v) { return sum(v[0], {0, 2}); }, {x});
  check([](const Vars& v) { return mean(v[0], {1}, true); }, {x});
  check([](const Vars& v) { return mean(v[0], {-1}); }, {x});
  check([](const Vars& v) { return max(v[0], {2}); }, {x});
  check([](const Vars& v) { return max(v[0], {0, 1}, true); }, {x});
}

TEST_CASE("gradcheck: matmul, plain, transposed and batched with broadcasting") {
  check([](const Vars& v) { return matmul(v[0], v[1]); }, {random({3, 4}, 7), random({4, 5}, 8)});
  check([](const Vars& v) { return matmul(v[0], v[1]); },
        {random({4, 3}, 9).transpose(0, 1), random({5, 4}, 10).transpose(0, 1)});
  check([](const Vars& v) { return matmul(v[0], v[1]); },
        {random({2, 3, 4}, 11), random({4, 2}, 12)});
  check([](const Vars& v) { return matmul(v[0], v[1]); },
        {random({2, 1, 3, 4}, 13), random({3, 4, 2}, 14)});
  check([](const Vars& v) { return matmul(v[0], transpose(v[1], -1, -2)); },
        {random({2, 3, 4}, 15), random({2, 5, 4}, 16)});
}

TEST_CASE("gradcheck: matmul with a scale and a bias, as a linear layer uses it") {
  // A weight used transposed: its gradient is computed in its own layout.
  check([](const Vars& v) { return matmul(v[0], transpose(v[1], 0, 1), 1.0f, v[2]); },
        {random({2, 3, 4}, 40), random({5, 4}, 41), random({5}, 42)});
  check([](const Vars& v) { return matmul(v[0], transpose(v[1], 0, 1), 0.5f, v[2]); },
        {random({3, 4}, 43), random({5, 4}, 44), random({3, 1}, 45)});
  check([](const Vars& v) { return matmul(v[0], transpose(v[1], -1, -2), 0.125f); },
        {random({2, 3, 4}, 46), random({2, 5, 4}, 47)});
  check([](const Vars& v) { return matmul(v[0], v[1], -2.0f, v[2]); },
        {random({2, 3, 4}, 48), random({4, 5}, 49), random({2, 1, 5}, 50)});
}

TEST_CASE("gradcheck: matmul with an empty dimension (M, K or N of 0)") {
  // Gradients keep the inputs' shapes; where only the output is empty, they are zero.
  for (const auto& [a, b] : std::vector<std::pair<Shape, Shape>>{
           {{2, 3, 0}, {0, 4}}, {{2, 0, 3}, {3, 4}}, {{2, 3, 4}, {4, 0}}, {{0, 4}, {4, 5}}}) {
    CAPTURE(a);
    check([](const Vars& v) { return matmul(v[0], v[1]); }, {random(a, 51), random(b, 52)});
    check([](const Vars& v) { return matmul(v[0], transpose(v[1], 0, 1), 1.0f, v[2]); },
          {random(a, 53), random({b[1], b[0]}, 54), random({b[1]}, 55)});
  }
}

TEST_CASE("gradcheck: views and joins") {
  const Tensor x = random({2, 3, 4}, 17);
  check([](const Vars& v) { return reshape(v[0], {6, -1}) * 2.0f; }, {x});
  check([](const Vars& v) { return permute(v[0], {2, 0, 1}) * 2.0f; }, {x});
  check([](const Vars& v) { return slice(v[0], 2, 1, 4, 2) * 2.0f; }, {x});
  check([](const Vars& v) { return narrow(v[0], 1, 1, 2) * 2.0f; }, {x});
  check([](const Vars& v) { return select(v[0], 0, 1) * 2.0f; }, {x});
  check([](const Vars& v) { return squeeze(unsqueeze(v[0], 1), 1) * 2.0f; }, {x});
  check([](const Vars& v) { return expand(v[0], {3, 2, 3, 4}) * 2.0f; }, {x});
  check([](const Vars& v) { return concat({v[0], v[1] * v[1]}, 1); }, {x, random({2, 2, 4}, 18)});
  check(
      [](const Vars& v) {
        auto parts = split(v[0], {1, 3}, -1);
        return parts[0] * parts[1];
      },
      {x});
}

TEST_CASE("gradcheck: embedding with repeated ids, masked_fill") {
  const Tensor ids = from_vector<int64_t>({1, 3, 1, 0, 3, 3}, {2, 3});
  check([&](const Vars& v) { return embedding(v[0], ids); }, {random({4, 5}, 19)});
  const Tensor mask = from_vector<uint8_t>({1, 0, 0, 1}, {1, 4});
  check([&](const Vars& v) { return masked_fill(v[0], mask, -3.0f); }, {random({3, 4}, 20)});
}

TEST_CASE("gradcheck: softmax and log_softmax along each axis, with masks") {
  const Tensor x = random({2, 3, 5}, 21);
  for (int64_t axis : {0, 1, 2}) {
    check([axis](const Vars& v) { return softmax(v[0], axis); }, {x});
    check([axis](const Vars& v) { return log_softmax(v[0], axis); }, {x});
  }
  const Tensor bool_mask = from_vector<uint8_t>({0, 1, 0, 0, 1}, {5});
  const Tensor add_mask = from_vector<float>({0, -1, 0.5f, 0, -2}, {5});
  check([&](const Vars& v) { return softmax(v[0], -1, bool_mask); }, {x});
  // Masked log-probabilities are -inf; the check looks at the finite ones.
  check(
      [&](const Vars& v) { return masked_fill(log_softmax(v[0], -1, bool_mask), bool_mask, 0.0f); },
      {x});
  check([&](const Vars& v) { return softmax(v[0], -1, add_mask); }, {x});
  check([&](const Vars& v) { return softmax(v[0], 1); }, {random({3, 2, 5}, 22).transpose(0, 1)});
}

TEST_CASE("gradcheck: layer_norm with and without gamma and beta") {
  const Tensor x = random({2, 3, 6}, 23);
  check([](const Vars& v) { return layer_norm(v[0], v[1], v[2]); },
        {x, random({6}, 24), random({6}, 25)});
  check([](const Vars& v) { return layer_norm(v[0], Variable(), Variable()); }, {x});
  check([](const Vars& v) { return layer_norm(v[0], v[1], Variable()); },
        {random({6, 4}, 26).transpose(0, 1), random({6}, 27)});
}

TEST_CASE("gradcheck: dropout with a replayed generator") {
  const Tensor x = random({4, 5}, 28);
  // The same seed each call, so the finite differences see the same mask.
  check(
      [](const Vars& v) {
        Generator gen(99);
        return dropout(v[0], 0.3f, true, gen);
      },
      {x});
}

TEST_CASE("gradcheck: cross_entropy with ignore index and label smoothing, mse") {
  const Tensor logits = random({2, 3, 4}, 29);
  const Tensor targets = from_vector<int64_t>({0, 3, -100, 2, 1, -100}, {2, 3});
  check([&](const Vars& v) { return cross_entropy(v[0], targets); }, {logits});
  CrossEntropyOptions smooth;
  smooth.label_smoothing = 0.1f;
  check([&](const Vars& v) { return cross_entropy(v[0], targets, smooth); }, {logits});
  CrossEntropyOptions weighted = smooth;
  weighted.class_weights = {0.5f, 2.0f, 0.0f, 1.5f};
  check([&](const Vars& v) { return cross_entropy(v[0], targets, weighted) * 2.0f; }, {logits});
  check([](const Vars& v) { return mse(v[0], v[1]); }, {random({3, 4}, 30), random({3, 4}, 31)});
}

// Lengths 6 (one block) and 70 (a second block of queries); the dropout mask is replayed from a
// fresh generator on every evaluation.
TEST_CASE("gradcheck: fused_attention with Q K^T and logits, masks and dropout") {
  for (int64_t length : {6, 70}) {
    std::vector<uint8_t> pad(static_cast<size_t>(2 * length), 0);
    pad[0] = pad[static_cast<size_t>(2 * length - 1)] = 1;
    const Tensor padding = from_vector(pad, {2, length});
    const std::vector<Tensor> in{random({2, length, 4}, 1), random({2, length, 4}, 2),
                                 random({2, length, 2}, 3), random({2, 2, length, length}, 4),
                                 random({2, length, length}, 5)};
    for (int form = 0; form < 4; ++form) {
      INFO("length " << length << ", form " << form);
      const auto f = [&](const Vars& v) {
        Generator gen(9);
        const bool shared = form >= 2;
        FusedAttentionOptions options{.heads = 2,
                                      .scale = 0.8f,
                                      .padding = form % 2 == 1 ? padding : Tensor(),
                                      .causal = form >= 1,
                                      .dropout = form == 3 ? 0.3f : 0.0f,
                                      .generator = &gen};
        return fused_attention(v[0], v[1], v[2], shared ? v[4] : v[3], options);
      };
      // At 70 only Q, K and V vary (the logits add 2 x 70^2 more probes): they pass through
      // the same block logits and softmax as the logits' gradient, checked at 6.
      if (length == 6)
        check(f, in);
      else
        check(
            [&](const Vars& v) {
              return f({v[0], v[1], v[2], Variable(in[3]), Variable(in[4])});
            },
            {in[0], in[1], in[2]});
    }
  }
}

TEST_CASE("gradcheck: gelu_dropout with a replayed generator") {
  check(
      [](const Vars& v) {
        Generator gen(99);
        return gelu_dropout(v[0], 0.3f, true, &gen);
      },
      {random({5, 7}, 29)});
}

TEST_CASE("gradcheck: add_dropout with a replayed generator") {
  check(
      [](const Vars& v) {
        Generator gen(98);
        return add_dropout(v[0], v[1], 0.3f, true, &gen);
      },
      {random({5, 7}, 32), random({5, 7}, 33)});
}

namespace {

// A fused dropout op must be the composition it replaces: every input's gradient and the
// generator's counter after bit for bit, the forward too unless `rounding` allows the one rounding
// a fused multiply-add saves. Inputs: an odd count, strided views; in training, outside it, and at
// p = 0.
using DropoutOp = std::function<Variable(const Vars&, float p, bool training, Generator& gen)>;
void check_same_as_composition(const DropoutOp& fused, const DropoutOp& plain, size_t inputs,
                               float rounding = 0.0f) {
  const Tensor g = random({9, 7}, 31);
  const auto run = [&](const DropoutOp& op, bool training, float p) {
    Generator gen(5);
    Vars v;
    for (size_t i = 0; i < inputs; ++i)
      v.emplace_back(random({7, 9}, 30 + i, 3.0f).transpose(0, 1), true);
    const Variable y = op(v, p, training, gen);
    sum(y * Variable(g)).backward();
    std::vector<std::vector<float>> out{y.data().to_vector<float>()};
    for (const Variable& x : v) out.push_back(x.grad().to_vector<float>());
    out.push_back({static_cast<float>(gen.state().counter)});
    return out;
  };
  for (const auto& [training, p] :
       std::vector<std::pair<bool, float>>{{true, 0.25f}, {false, 0.25f}, {true, 0.0f}}) {
    INFO("training " << training << ", p " << p);
    auto a = run(fused, training, p);
    const auto b = run(plain, training, p);
    // Relative to the largest output: x + y * f may cancel, the rounding saved is of y * f.
    float largest = 0.0f;
    for (float v : b[0]) largest = std::max(largest, std::fabs(v));
    for (size_t i = 0; i < a[0].size(); ++i) {
      CHECK(std::fabs(a[0][i] - b[0][i]) <= rounding * largest);
      a[0][i] = b[0][i];
    }
    CHECK(a == b);
  }
}

}  // namespace

TEST_CASE("gelu_dropout is dropout(gelu(x)) bit for bit, and gelu alone outside training") {
  check_same_as_composition([](const Vars& v, float p, bool training,
                               Generator& gen) { return gelu_dropout(v[0], p, training, &gen); },
                            [](const Vars& v, float p, bool training, Generator& gen) {
                              return dropout(gelu(v[0]), p, training, gen);
                            },
                            1);
  Generator gen(1);
  const Variable x(random({3}, 1));
  CHECK_THROWS_WITH_AS(gelu_dropout(x, 1.0f, true, &gen),
                       "gelu_dropout: probability 1 is outside [0, 1)", Error);
  CHECK_THROWS_WITH_AS(gelu_dropout(x, 0.5f, true, nullptr),
                       "gelu_dropout: dropout 0.5 needs a generator", Error);
}

TEST_CASE("add_dropout is r + dropout(x) within one rounding, and r + x outside training") {
  check_same_as_composition(
      [](const Vars& v, float p, bool training, Generator& gen) {
        return add_dropout(v[0], v[1], p, training, &gen);
      },
      [](const Vars& v, float p, bool training, Generator& gen) {
        return v[0] + dropout(v[1], p, training, gen);
      },
      2, 2e-7f);
  Generator gen(1);
  const Variable x(random({3}, 1)), y(random({1, 3}, 2));
  CHECK_THROWS_WITH_AS(add_dropout(x, y, 0.5f, true, &gen),
                       "add_dropout: residual [3] and branch [1, 3] differ in shape", Error);
  CHECK_THROWS_WITH_AS(add_dropout(x, x, 0.5f, true, nullptr),
                       "add_dropout: dropout 0.5 needs a generator", Error);
}

TEST_CASE("gradcheck: add_dropout_layer_norm, both outputs, with a replayed generator") {
  const Tensor c = random({5, 7}, 36);
  for (float p : {0.3f, 0.0f}) {
    INFO("p " << p);
    check(
        [&](const Vars& v) {
          Generator gen(98);
          const AddLayerNorm out = add_dropout_layer_norm(v[0], v[1], v[2], v[3], p, true, &gen);
          return out.sum * Variable(c) + out.norm;
        },
        {random({5, 7}, 32), random({7, 5}, 33).transpose(0, 1), random({7}, 34), random({7}, 35)});
  }
}

namespace {

// add_dropout_layer_norm against add_dropout then layer_norm: outputs, the four inputs' gradients
// and the generator's counter. `use` says which outputs the loss reads (1 sum, 2 norm, 3 both).
std::vector<std::vector<float>> run_add_layer_norm(bool fused, bool training, float p, int use) {
  Generator gen(5);
  Vars v{Variable(random({7, 9}, 30, 3.0f).transpose(0, 1), true),
         Variable(random({9, 7}, 31), true), Variable(random({7}, 32), true),
         Variable(random({7}, 33), true)};
  AddLayerNorm y;
  if (fused) {
    y = add_dropout_layer_norm(v[0], v[1], v[2], v[3], p, training, &gen);
  } else {
    y.sum = add_dropout(v[0], v[1], p, training, &gen);
    y.norm = layer_norm(y.sum, v[2], v[3]);
  }
  Variable loss = sum(Variable(random({9, 7}, 34)) * (use & 1 ? y.sum : y.norm));
  if (use == 3) loss = loss + sum(y.norm * Variable(random({9, 7}, 35)));
  loss.backward();
  std::vector<std::vector<float>> out{y.sum.data().to_vector<float>(),
                                      y.norm.data().to_vector<float>()};
  for (const Variable& x : v)
    out.push_back(x.grad().defined() ? x.grad().to_vector<float>() : std::vector<float>{});
  out.push_back({static_cast<float>(gen.state().counter)});
  return out;
}

}  // namespace

TEST_CASE("add_dropout_layer_norm is add_dropout then layer_norm, whichever outputs are used") {
  for (const auto& [training, p] :
       std::vector<std::pair<bool, float>>{{true, 0.25f}, {false, 0.25f}, {true, 0.0f}})
    for (int use : {1, 2, 3}) {
      INFO("training " << training << ", p " << p << ", outputs used " << use);
      CHECK(run_add_layer_norm(true, training, p, use) ==
            run_add_layer_norm(false, training, p, use));
    }
}

TEST_CASE("add_dropout_layer_norm refuses bad inputs before drawing its mask") {
  Generator gen(1);
  const Variable x(random({2, 3}, 1)), y(random({3, 2}, 2)), gamma(random({3}, 3));
  CHECK_THROWS_WITH_AS(add_dropout_layer_norm(x, y, gamma, gamma, 0.5f, true, &gen),
                       "add_dropout_layer_norm: residual [2, 3] and branch [3, 2] differ in shape",
                       Error);
  CHECK_THROWS_WITH_AS(
      add_dropout_layer_norm(y, y, gamma, gamma, 0.5f, true, &gen),
      "add_dropout_layer_norm: gamma has shape [3], expected [2] for input of shape [3, 2]", Error);
  CHECK_THROWS_WITH_AS(add_dropout_layer_norm(x, x, gamma, gamma, 1.0f, true, &gen),
                       "add_dropout_layer_norm: probability 1 is outside [0, 1)", Error);
  CHECK_THROWS_WITH_AS(add_dropout_layer_norm(x, x, gamma, gamma, 0.5f, true, nullptr),
                       "add_dropout_layer_norm: dropout 0.5 needs a generator", Error);
  const Variable ints(zeros({2, 3}, DType::i32));
  CHECK_THROWS_WITH_AS(
      add_dropout_layer_norm(ints, x, gamma, gamma, 0.5f, true, &gen),
      "add_dropout_layer_norm: residual and branch must be f32, got i32 [2, 3] and f32 [2, 3]",
      Error);
  CHECK(gen.state().counter == 0);
  add_dropout_layer_norm(x, x, gamma, gamma, 0.5f, true, &gen);
  CHECK(gen.state().counter == 3);
}

TEST_CASE("fused_attention refuses bad inputs before drawing its dropout mask") {
  Generator gen(3);
  const Variable q(random({2, 5, 4}, 1)), v(random({2, 5, 2}, 2));
  const auto options = [&](float p, int64_t heads) {
    FusedAttentionOptions o;
    o.heads = heads;
    o.dropout = p;
    o.generator = &gen;
    return o;
  };
  CHECK_THROWS_WITH_AS(fused_attention(q, q, v, Variable(), options(1.5f, 2)),
                       "fused_attention: dropout 1.5 is outside [0, 1)", Error);
  CHECK_THROWS_WITH_AS(fused_attention(q, q, v, Variable(), options(-0.1f, 2)),
                       "fused_attention: dropout -0.1 is outside [0, 1)", Error);
  CHECK_THROWS_AS(fused_attention(q, q, v, Variable(), options(0.5f, 3)), Error);  // 3 heads
  CHECK(gen.state().counter == 0);
  fused_attention(q, q, v, Variable(), options(0.5f, 2));
  CHECK(gen.state().counter == (2 * 2 * 5 * 5 + 1) / 2);
}

TEST_CASE("gradcheck: add, sub, mul, div with both operands broadcast, transposed or constant") {
  // [3, 1] against [2, 1, 4]: each operand is expanded along an axis the other has.
  const std::vector<Tensor> in{random({3, 1}, 60), positive({2, 1, 4}, 61)};
  check([](const Vars& v) { return v[0] + v[1]; }, in);
  check([](const Vars& v) { return v[0] - v[1]; }, in);
  check([](const Vars& v) { return v[0] * v[1]; }, in);
  check([](const Vars& v) { return v[0] / v[1]; }, in);
  check([](const Vars& v) { return v[1] / (v[0] * v[0] + 1.0f); }, in);
  // Both operands strided views.
  const std::vector<Tensor> t{random({4, 3}, 62).transpose(0, 1),
                              positive({4, 3}, 63).transpose(0, 1)};
  check([](const Vars& v) { return v[0] * v[1] - v[0] / v[1]; }, t);
  // One operand a constant: the rules skip the gradient nobody needs.
  const Tensor c = positive({3, 4}, 64);
  check([&](const Vars& v) { return v[0] * Variable(c) + Variable(c) / v[0]; },
        {positive({4}, 65)});
  check([&](const Vars& v) { return Variable(c) - v[0] + v[0] / Variable(c); },
        {random({3, 1}, 66)});
}

TEST_CASE("gradcheck: pow with integer exponents on inputs of both signs, and fractional ones") {
  // Magnitudes in [0.5, 2] with random signs: away from the pole of x^-1 at 0.
  const Tensor x = from_vector<float>(
      {-1.5f, 0.7f, -0.6f, 1.2f, 1.8f, -1.1f, 0.9f, -2.0f, -0.8f, 1.4f, 0.5f, -1.3f}, {3, 4});
  for (float e : {1.0f, 2.0f, 3.0f, -1.0f, -2.0f}) {
    INFO("exponent " << e);
    check([e](const Vars& v) { return pow(v[0], e); }, {x});
  }
  check([](const Vars& v) { return pow(v[0], 0.5f); }, {positive({3, 4}, 69)});
  check([](const Vars& v) { return pow(v[0], 2.5f); }, {positive({4, 3}, 70).transpose(0, 1)});
}

TEST_CASE("gradcheck: mean and max over all axes, negative axes, ties and a transposed input") {
  const Tensor x = random({2, 3, 4}, 71);
  check([](const Vars& v) { return mean(v[0]); }, {x});
  check([](const Vars& v) { return max(v[0]); }, {x});
  check([](const Vars& v) { return sum(v[0], {-1, 0}, true); }, {x});
  check([](const Vars& v) { return mean(v[0], {0, 2}, true); }, {x});
  check([](const Vars& v) { return max(v[0], {-2}); }, {x});
  const Tensor t = random({4, 3}, 72).transpose(0, 1);
  check([](const Vars& v) { return sum(v[0], {1}); }, {t});
  check([](const Vars& v) { return mean(v[0], {0}, true); }, {t});
  check([](const Vars& v) { return max(v[0], {1}, true); }, {t});
  // Two tied maxima per row share the gradient: 1/2 each, which is also the central difference
  // (raising either raises the max, lowering it leaves the other).
  const Tensor ties = from_vector<float>({1, 3, 3, 0, -2, 0.5f, -1, 0.5f, 2, 2, 1, -3}, {3, 4});
  check([](const Vars& v) { return max(v[0], {1}); }, {ties});
  check([](const Vars& v) { return max(v[0], {1}, true) * 2.0f; }, {ties});
}

TEST_CASE("gradcheck: matmul of one matrix against a batch, and a bias of the output's shape") {
  check([](const Vars& v) { return matmul(v[0], v[1]); },
        {random({3, 4}, 73), random({2, 4, 5}, 74)});
  check([](const Vars& v) { return matmul(v[0], v[1], 0.5f, v[2]); },
        {random({4, 3}, 75).transpose(0, 1), random({2, 4, 5}, 76), random({2, 3, 5}, 77)});
  // A batched a stored transposed against a shared b stored transposed.
  check([](const Vars& v) { return matmul(v[0], v[1], 1.5f, v[2]); },
        {random({2, 4, 3}, 78).transpose(1, 2), random({5, 4}, 79).transpose(0, 1),
         random({1, 5}, 80)});
  // Only a (then only b) requires a gradient: the other is a constant.
  const Tensor w = random({4, 5}, 81);
  check([&](const Vars& v) { return matmul(v[0], Variable(w), 2.0f, v[1]); },
        {random({2, 3, 4}, 82), random({5}, 83)});
  const Tensor a = random({2, 3, 4}, 84);
  check([&](const Vars& v) { return matmul(Variable(a), v[0]); }, {random({4, 5}, 85)});
}

TEST_CASE("gradcheck: views with negative axes, of strided inputs, and middle-axis expand") {
  const Tensor x = random({3, 2, 4}, 86).transpose(0, 1);  // [2, 3, 4], strided
  check([](const Vars& v) { return transpose(v[0], -1, 0) * 2.0f; }, {x});
  check([](const Vars& v) { return permute(v[0], {-1, 0, -2}) * 2.0f; }, {x});
  check([](const Vars& v) { return reshape(v[0], {4, 6}) * 2.0f; }, {x});  // a copy, not a view
  check([](const Vars& v) { return slice(v[0], 1, 0, 3, 2) * 2.0f; }, {x});
  check([](const Vars& v) { return slice(v[0], -1, 1, 4, 3) * 2.0f; }, {x});
  check([](const Vars& v) { return select(v[0], -1, -2) * 2.0f; }, {x});
  check([](const Vars& v) { return squeeze(unsqueeze(v[0], -1), -1) * 2.0f; }, {x});
  check(
      [](const Vars& v) {
        return expand(v[0], {2, 3, 5, 4}) * 2.0f;
      },
      {random({2, 3, 1, 4}, 87)});
  check([](const Vars& v) { return expand(v[0], {2, 3, 4}) * 2.0f; }, {random({3, 1}, 88)});
  // Three parts, one strided, along a negative axis; and split's parts used unequally.
  check(
      [](const Vars& v) {
        return concat({v[0], v[1] * 2.0f, v[0] * v[0]}, -2);
      },
      {random({2, 3, 4}, 89), x});
  check(
      [](const Vars& v) {
        auto parts = split(v[0], {1, 0, 2}, 1);
        return concat({parts[2] * parts[2], parts[0] * 3.0f, parts[1]}, 1);
      },
      {x});
}

TEST_CASE("gradcheck: embedding with i32 ids and a scalar id, masked_fill of a strided input") {
  const Tensor ids32 = from_vector<int32_t>({2, 2, 0, 2}, {4});
  check([&](const Vars& v) { return embedding(v[0], ids32); }, {random({3, 5}, 90)});
  const Tensor one = from_vector<int64_t>({1}, {1}).reshape({});
  check([&](const Vars& v) { return embedding(v[0], one); }, {random({3, 5}, 91)});
  const Tensor mask = from_vector<uint8_t>({1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1}, {3, 4});
  check([&](const Vars& v) { return masked_fill(v[0], mask, 2.0f); },
        {random({4, 3}, 92).transpose(0, 1)});
  const Tensor column = from_vector<uint8_t>({0, 1, 0}, {3, 1});
  check([&](const Vars& v) { return masked_fill(v[0], column, 0.0f); }, {random({3, 4}, 93)});
}

TEST_CASE("gradcheck: log_softmax with an additive mask, -inf masks and a fully masked row") {
  const Tensor x = random({2, 3, 5}, 94);
  const Tensor add_mask = from_vector<float>({0, -1, 0.5f, 0, -2}, {5});
  check([&](const Vars& v) { return log_softmax(v[0], -1, add_mask); }, {x});
  // An additive -inf mask, as a causal mask is built: log_softmax gives -inf there.
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor inf_mask = from_vector<float>({0, -inf, 0, 0, -inf}, {5});
  check([&](const Vars& v) { return softmax(v[0], -1, inf_mask); }, {x});
  const Tensor inf_b8 = from_vector<uint8_t>({0, 1, 0, 0, 1}, {5});
  check([&](const Vars& v) { return masked_fill(log_softmax(v[0], -1, inf_mask), inf_b8, 0.0f); },
        {x});
  // A mask along a middle axis, broadcast over the other two; row 1 of each batch fully masked
  // gives zeros (softmax) or -inf (log_softmax), and no gradient.
  const Tensor mid = from_vector<uint8_t>({0, 1, 1}, {3, 1});
  check([&](const Vars& v) { return softmax(v[0], 1, mid); }, {x});
  const Tensor full_rows =
      from_vector<uint8_t>({0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0}, {3, 5});
  check([&](const Vars& v) { return softmax(v[0], -1, full_rows); }, {x});
  check(
      [&](const Vars& v) { return masked_fill(log_softmax(v[0], -1, full_rows), full_rows, 0.0f); },
      {x});
  const Tensor t = random({5, 3}, 95).transpose(0, 1);
  check([&](const Vars& v) { return log_softmax(v[0], 1, add_mask); }, {t});
}

TEST_CASE("gradcheck: layer_norm with beta only, a large eps, a strided input and D = 1") {
  const Tensor x = random({2, 3, 6}, 96);
  check([](const Vars& v) { return layer_norm(v[0], Variable(), v[1]); }, {x, random({6}, 97)});
  check([](const Vars& v) { return layer_norm(v[0], v[1], v[2], 0.5f); },
        {x, random({6}, 98), random({6}, 99)});
  check([](const Vars& v) { return layer_norm(v[0], v[1], v[2]); },
        {random({6, 3}, 100).transpose(0, 1), random({6}, 101), random({6}, 102)});
  check([](const Vars& v) { return layer_norm(v[0], v[1], v[2]); },
        {random({4, 1}, 103), random({1}, 104), random({1}, 105)});
}

TEST_CASE("gradcheck: add_dropout_layer_norm using one output, without gamma or beta, in eval") {
  const Tensor r = random({5, 7}, 106), b = random({7, 5}, 107).transpose(0, 1);
  const Tensor gamma = random({7}, 108), beta = random({7}, 109);
  for (const auto& [training, p] :
       std::vector<std::pair<bool, float>>{{true, 0.3f}, {false, 0.3f}, {true, 0.0f}})
    for (int use : {1, 2}) {
      INFO("training " << training << ", p " << p << ", output " << use);
      check(
          [&](const Vars& v) {
            Generator gen(97);
            const AddLayerNorm out =
                add_dropout_layer_norm(v[0], v[1], v[2], v[3], p, training, &gen);
            return use == 1 ? out.sum : out.norm;
          },
          {r, b, gamma, beta});
    }
  check(
      [&](const Vars& v) {
        Generator gen(96);
        const AddLayerNorm out =
            add_dropout_layer_norm(v[0], v[1], Variable(), Variable(), 0.3f, true, &gen, 0.25f);
        return out.sum * 0.5f + out.norm;
      },
      {r, b});
  check(
      [&](const Vars& v) {
        Generator gen(95);
        const AddLayerNorm out =
            add_dropout_layer_norm(v[0], v[1], Variable(), v[2], 0.3f, true, &gen);
        return out.norm;
      },
      {r, b, beta});
}

TEST_CASE("gradcheck: dropout, gelu_dropout, add_dropout on strided inputs, and switched off") {
  const Tensor x = random({7, 5}, 110).transpose(0, 1);
  const Tensor y = random({5, 7}, 111);
  for (const auto& [training, p] :
       std::vector<std::pair<bool, float>>{{true, 0.3f}, {false, 0.3f}, {true, 0.0f}}) {
    INFO("training " << training << ", p " << p);
    check(
        [&](const Vars& v) {
          Generator gen(94);
          return dropout(v[0], p, training, gen);
        },
        {x});
    check(
        [&](const Vars& v) {
          Generator gen(93);
          return gelu_dropout(v[0], p, training, &gen);
        },
        {x});
    check(
        [&](const Vars& v) {
          Generator gen(92);
          return add_dropout(v[0], v[1], p, training, &gen);
        },
        {x, y});
    check(
        [&](const Vars& v) {
          Generator gen(91);
          return add_dropout(v[1], v[0], p, training, &gen);
        },
        {x, y});
  }
}

TEST_CASE("gradcheck: cross_entropy with another ignore_index, i32 targets, all rows ignored") {
  const Tensor logits = random({3, 2, 4}, 112).transpose(0, 1);  // [2, 3, 4], strided
  CrossEntropyOptions options;
  options.ignore_index = 1;
  options.label_smoothing = 0.2f;
  const Tensor targets = from_vector<int32_t>({0, 1, 3, 1, 2, 2}, {2, 3});
  check([&](const Vars& v) { return cross_entropy(v[0], targets, options); }, {logits});
  options.label_smoothing = 0.0f;
  check([&](const Vars& v) { return cross_entropy(v[0], targets, options); }, {logits});
  const Tensor ignored = from_vector<int64_t>({1, 1, 1, 1, 1, 1}, {2, 3});
  check([&](const Vars& v) { return cross_entropy(v[0], ignored, options); }, {logits});
  // One row of logits, a scalar target; and the loss scaled, so its own gradient is not 1.
  const Tensor one = from_vector<int64_t>({2}, {1}).reshape({});
  check([&](const Vars& v) { return cross_entropy(v[0], one) * 3.0f; }, {random({5}, 113)});
}

TEST_CASE(
    "gradcheck: fused_attention with Q K^T only, logits only, and logits shared over the batch") {
  const int64_t length = 5;
  const Tensor padding = from_vector<uint8_t>({0, 0, 0, 1, 1, 0, 0, 0, 0, 1}, {2, length});
  const Tensor q = random({2, length, 6}, 114), k = random({2, length, 6}, 115);
  const Tensor v = random({2, length, 4}, 116);
  for (int form = 0; form < 4; ++form) {
    INFO("form " << form);
    // Without causal masking: padding alone, dropout alone, both; one head and two.
    FusedAttentionOptions base{.heads = form % 2 == 0 ? 1 : 2,
                               .scale = 0.6f,
                               .padding = form != 1 ? padding : Tensor(),
                               .causal = false,
                               .dropout = form >= 1 ? 0.25f : 0.0f,
                               .generator = nullptr};
    const auto options = [base](Generator& gen) {
      FusedAttentionOptions o = base;
      o.generator = &gen;
      return o;
    };
    check(
        [&](const Vars& x) {
          Generator gen(8);
          return fused_attention(x[0], x[1], x[2], Variable(), options(gen));
        },
        {q, k, v});
    check(
        [&](const Vars& x) {
          Generator gen(7);
          return fused_attention(Variable(), Variable(), x[0], x[1], options(gen));
        },
        {v, random({1, base.heads, length, length}, 117)});
    check(
        [&](const Vars& x) {
          Generator gen(6);
          return fused_attention(x[0], x[1], x[2], x[3], options(gen));
        },
        {q, k, v, random({1, base.heads, length, length}, 118)});
  }
}
