#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "nn/attention_reference.h"
#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/attention/heads.h"
#include "synthgrad/nn/nn.h"

using namespace sg;
using nn::Attention;
using nn::AttentionConfig;
using nn::AttentionMask;

namespace {

const std::vector<std::string> kVariants{"V",   "D",   "R",   "Rfix",  "FD",     "FR",
                                         "R+V", "D+V", "R+D", "R+D+V", "FR+FD+V"};

AttentionConfig small_config(const std::string& variant) {
  return {.dim = 8,
          .heads = 2,
          .max_length = 6,
          .variant = variant,
          .factor_a = 2,
          .factor_b = 3,
          .random_rank = 2};
}

// Replaces every parameter (and buffer) by normal(0, 0.5) values, so that the attention is far
// from uniform and every term of the formulas matters.
void randomize(Attention& layer, uint64_t seed) {
  Generator gen(seed);
  for (auto& [name, p] : layer.named_parameters())
    copy_into(p.data(), randn(p.shape(), gen, 0.0f, 0.5f));
  for (auto& [name, t] : layer.named_buffers()) copy_into(t, randn(t.shape(), gen, 0.0f, 0.5f));
}

testing::ReferenceAttention reference_of(const Attention& layer) {
  testing::ReferenceAttention ref{layer.config(), {}};
  for (auto& [name, p] : layer.named_parameters()) {
    auto v = p.data().to_vector<float>();
    ref.params[name] = std::vector<double>(v.begin(), v.end());
  }
  for (auto& [name, t] : layer.named_buffers()) {
    auto v = t.to_vector<float>();
    ref.params[name] = std::vector<double>(v.begin(), v.end());
  }
  return ref;
}

// max |a - b| relative to the largest |b|; NaN if any difference is NaN (std::max would drop it).
double relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double diff = 0, scale = 1e-6;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(a[i] - b[i]);
    if (!(d <= diff)) diff = d;
    scale = std::max(scale, std::fabs(b[i]));
  }
  return diff / scale;
}

std::vector<double> as_double(const Tensor& t) {
  auto v = t.to_vector<float>();
  return {v.begin(), v.end()};
}

constexpr int64_t kBatch = 2, kLength = 5;

struct MaskCase {
  const char* name;
  bool causal;
  std::vector<uint8_t> padding;  // [kBatch, kLength], 1 = pad; empty for none
};
// Example 1 ends in two padding positions.
const std::vector<uint8_t> kRightPadding{0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
// Example 0 starts with two: under a causal mask its queries 0 and 1 see no key at all.
const std::vector<uint8_t> kLeftAndRightPadding{1, 1, 0, 0, 0, 0, 0, 0, 1, 1};
// Example 1 is all padding, so every one of its rows is fully masked; example 0 has a padded key.
const std::vector<uint8_t> kEmptySecondExample{0, 0, 1, 0, 0, 1, 1, 1, 1, 1};

const MaskCase kCausalAndPadding{"causal and padding", true, kRightPadding};
const MaskCase kMasks[] = {
    {"no mask", false, {}},
    {"causal", true, {}},
    {"padding", false, kRightPadding},
    kCausalAndPadding,
    {"causal and left padding: fully masked first rows", true, kLeftAndRightPadding},
    {"an all-padding example: fully masked rows", false, kEmptySecondExample}};

AttentionMask make_mask(const MaskCase& m) {
  AttentionMask mask;
  mask.causal = m.causal;
  if (!m.padding.empty()) mask.padding = from_vector(m.padding, {kBatch, kLength});
  return mask;
}

std::vector<int> padding_list(const AttentionMask& mask) {
  if (!mask.padding.defined()) return {};
  std::vector<int> out;
  for (uint8_t v : mask.padding.to_vector<uint8_t>()) out.push_back(v);
  return out;
}

// A probe of attention dropout: a layer whose output is its own dropped probabilities P'. With
// identity value and output projections, and x[b, j] holding the unit vector e_j in every head,
// y[b, i, h * kHeadDim + j] = P'[b, h, i, j]. Each head's last coordinate is noise that the readout
// skips, so that V's logits (and so P) differ between examples.
constexpr int64_t kProbeHeads = 2, kHeadDim = kLength + 1;

AttentionConfig probe_config(const std::string& variant, float dropout) {
  AttentionConfig config = small_config(variant);
  config.dim = kProbeHeads * kHeadDim;
  config.dropout = dropout;
  return config;
}

Tensor identity(int64_t n) {
  std::vector<float> values(static_cast<size_t>(n * n), 0.0f);
  for (int64_t i = 0; i < n; ++i) values[static_cast<size_t>(i * n + i)] = 1.0f;
  return from_vector(values, {n, n});
}

std::shared_ptr<Attention> make_probe(const std::string& variant, float dropout, uint64_t seed) {
  Generator gen(seed);
  auto layer = std::make_shared<Attention>(probe_config(variant, dropout), gen,
                                           std::make_shared<Generator>(seed + 1));
  randomize(*layer, seed + 2);
  for (const auto& projection : {layer->value, layer->output}) {
    copy_into(projection->weight.data(), identity(probe_config(variant, dropout).dim));
    fill_inplace(projection->bias.data(), 0.0f);
  }
  layer->keep_attention_weights(true);
  return layer;
}

Tensor unit_vector_input(int64_t batch, Generator& gen) {
  const std::vector<float> noise = randn({batch * kLength * kProbeHeads}, gen).to_vector<float>();
  std::vector<float> x(static_cast<size_t>(batch * kLength * kProbeHeads * kHeadDim), 0.0f);
  size_t at = 0;
  for (int64_t token = 0; token < batch * kLength; ++token)
    for (int64_t h = 0; h < kProbeHeads; ++h, ++at) {
      x[at * kHeadDim + static_cast<size_t>(token % kLength)] = 1.0f;
      x[at * kHeadDim + kHeadDim - 1] = noise[at];
    }
  return from_vector(x, {batch, kLength, kProbeHeads * kHeadDim});
}

struct Probabilities {
  std::vector<float> before_dropout, after_dropout;  // [B, H, L, L]
};

Probabilities probe(Attention& layer, const Tensor& x) {
  const int64_t batch = x.size(0);
  const Tensor y = layer.forward(Variable(x), {}).data();
  const Tensor dropped = y.reshape({batch, kLength, kProbeHeads, kHeadDim})
                             .narrow(3, 0, kLength)
                             .permute({0, 2, 1, 3});
  return {layer.attention_weights().to_vector<float>(), dropped.contiguous().to_vector<float>()};
}

}  // namespace

TEST_CASE("attention parameter counts equal the design note's formulas") {
  for (const auto& variant : kVariants) {
    Generator gen(0);
    Attention layer(small_config(variant), gen, nullptr);
    INFO(variant);
    CHECK(layer.parameter_count() == nn::expected_parameter_count(small_config(variant)));
  }
  // Worked by hand for d = 8, H = 2, l = 6: projections 2 (d^2 + d) = 144.
  CHECK(nn::expected_parameter_count(small_config("R")) == 144 + 2 * 36);
  CHECK(nn::expected_parameter_count(small_config("V")) == 144 + 2 * 64 + 16);
  CHECK(nn::expected_parameter_count(small_config("D")) == 144 + 64 + 8 + 8 * 6 + 2 * 6);
  CHECK(nn::expected_parameter_count(small_config("FR")) == 144 + 2 * 2 * 6 * 2);
  CHECK(nn::expected_parameter_count(small_config("FD")) == 144 + 64 + 8 + 8 * 5 + 2 * 5);
  CHECK(nn::expected_parameter_count(small_config("R+V")) == 144 + 72 + 144 + 2);
  CHECK(nn::expected_parameter_count(small_config("Rfix")) == 144);
}

TEST_CASE("every variant and mask matches the plain-loop reference, outputs and gradients") {
  for (const auto& variant : kVariants) {
    for (const MaskCase& m : kMasks) {
      for (bool fused : {true, false}) {
        INFO(variant << ", " << m.name << (fused ? ", fused" : ", unfused"));
        Generator gen(1);
        Attention layer(small_config(variant), gen, nullptr);
        layer.set_fused(fused);
        randomize(layer, 2);
        const AttentionMask mask = make_mask(m);
        Tensor x = randn({kBatch, kLength, 8}, gen);
        const Tensor r = randn({kBatch, kLength, 8}, gen);
        const testing::ReferenceAttention ref = reference_of(layer);

        Variable xv(x, true);
        Variable y = layer.forward(xv, mask);
        const std::vector<double> expected =
            ref.forward(as_double(x), kBatch, kLength, padding_list(mask), m.causal);
        CHECK(relative_error(as_double(y.data()), expected) < 1e-4);

        sum(y * Variable(r)).backward();
        // d sum(y r) / d theta from the reference by central differences in double precision.
        auto numeric = [&](std::vector<double> values, auto&& set) {
          std::vector<double> grad(values.size());
          const std::vector<double> rv = as_double(r);
          for (size_t i = 0; i < values.size(); ++i) {
            double f[2];
            for (int side = 0; side < 2; ++side) {
              std::vector<double> v = values;
              v[i] += side == 0 ? 1e-6 : -1e-6;
              const std::vector<double> yv = set(v);
              f[side] = 0;
              for (size_t j = 0; j < yv.size(); ++j) f[side] += yv[j] * rv[j];
            }
            grad[i] = (f[0] - f[1]) / 2e-6;
          }
          return grad;
        };
        const auto dx = numeric(as_double(x), [&](const std::vector<double>& v) {
          return ref.forward(v, kBatch, kLength, padding_list(mask), m.causal);
        });
        CHECK(relative_error(as_double(xv.grad()), dx) < 1e-4);
        for (auto& [name, p] : layer.named_parameters()) {
          const auto& name_value = name;  // clang 14 cannot capture a structured binding
          INFO(name_value);
          const auto dp = numeric(ref.params.at(name), [&, n = name](const std::vector<double>& v) {
            testing::ReferenceAttention changed = ref;
            changed.params[n] = v;
            return changed.forward(as_double(x), kBatch, kLength, padding_list(mask), m.causal);
          });
          REQUIRE(p.grad().defined());
          if (name == "V.key.bias") {
            // Zero in theory: q . (k_j + b) shifts a whole row of logits by q . b.
            for (double g : as_double(p.grad())) CHECK(std::fabs(g) < 1e-4);
            for (double g : dp) CHECK(std::fabs(g) < 1e-4);
            continue;
          }
          CHECK(relative_error(as_double(p.grad()), dp) < 1e-4);
        }
      }
    }
  }
}

// The fused path against the unfused one at lengths that cut the fused kernel's blocks (64 queries,
// 128 keys) unevenly, in training with attention dropout: both reserve the same mask.
TEST_CASE("fused attention matches the unfused layer: every variant, mask, odd lengths, dropout") {
  for (int64_t length : {1, 67, 131})
    for (const auto& variant : kVariants)
      for (int masking = 0; masking < 4; ++masking) {
        INFO(variant << ", length " << length << ", mask " << masking);
        AttentionConfig config = small_config(variant);
        config.max_length = 132;
        config.factor_a = 12;
        config.factor_b = 11;
        config.dropout = 0.2f;
        AttentionMask mask;
        mask.causal = masking & 2;
        if (masking & 1) {
          std::vector<uint8_t> pad(static_cast<size_t>(2 * length), 0);
          for (int64_t j = length - length / 3; j < length; ++j)
            pad[static_cast<size_t>(length + j)] = 1;
          pad[0] = length > 1;  // under a causal mask, example 0's first row sees no key
          mask.padding = from_vector(pad, {2, length});
        }
        Generator data(3);
        const Tensor x = randn({2, length, 8}, data), r = randn({2, length, 8}, data);
        std::vector<Variable> outputs, inputs;
        std::vector<std::vector<Tensor>> grads;
        for (bool fused : {true, false}) {
          Generator init(1);
          Attention layer(config, init, std::make_shared<Generator>(5));
          randomize(layer, 2);
          layer.set_fused(fused);
          Variable xv(x, true);
          outputs.push_back(layer.forward(xv, mask));
          sum(outputs.back() * Variable(r)).backward();
          grads.push_back({xv.grad()});
          for (auto& [name, p] : layer.named_parameters()) grads.back().push_back(p.grad());
        }
        CHECK(relative_error(as_double(outputs[0].data()), as_double(outputs[1].data())) < 1e-5);
        // Relative to the largest gradient of the layer: some are zero in theory (the key bias;
        // every logit source at length 1) and differ by rounding only.
        double largest = 0.0;
        for (const Tensor& g : grads[1])
          for (double v : as_double(g)) largest = std::max(largest, std::fabs(v));
        for (size_t i = 0; i < grads[0].size(); ++i) {
          INFO("gradient " << i);
          const std::vector<double> a = as_double(grads[0][i]), b = as_double(grads[1][i]);
          double worst = 0.0;
          for (size_t j = 0; j < a.size(); ++j) worst = std::max(worst, std::fabs(a[j] - b[j]));
          CHECK(worst <= 1e-5 * largest);
        }
      }
}

TEST_CASE("gradcheck of every variant under every mask") {
  for (const auto& variant : kVariants) {
    for (const MaskCase& m : kMasks) {
      INFO(variant << ", " << m.name);
      // Seeds chosen so that no ReLU input of D / FD lies within the finite-difference step of its
      // kink (seed 3 put one at -2e-5), where the derivative jumps and no step size agrees.
      Generator gen(21);
      Attention layer(small_config(variant), gen, nullptr);
      randomize(layer, 22);
      const AttentionMask mask = make_mask(m);
      // A small step: D and FD pass through ReLUs, whose kinks a wide step may straddle.
      GradcheckResult r =
          gradcheck([&](const std::vector<Variable>& v) { return layer.forward(v[0], mask); },
                    {randn({kBatch, kLength, 8}, gen)}, {.eps = 1e-3, .rtol = 1e-2, .atol = 2e-3});
      INFO(r.message);
      CHECK(r.ok);
    }
  }
}

TEST_CASE("with a causal mask no output depends on a later token") {
  for (const auto& variant : kVariants) {
    INFO(variant);
    Generator gen(5);
    Attention layer(small_config(variant), gen, nullptr);
    randomize(layer, 6);
    const Tensor x = randn({kBatch, kLength, 8}, gen);
    Tensor changed = x.clone();
    copy_into(changed.narrow(1, 3, 2), randn({kBatch, 2, 8}, gen));  // tokens 3 and 4
    const AttentionMask causal{.padding = {}, .causal = true};
    const Tensor y1 = layer.forward(Variable(x), causal).data();
    const Tensor y2 = layer.forward(Variable(changed), causal).data();
    CHECK(y1.narrow(1, 0, 3).to_vector<float>() == y2.narrow(1, 0, 3).to_vector<float>());
    CHECK(y1.narrow(1, 3, 2).to_vector<float>() != y2.narrow(1, 3, 2).to_vector<float>());
  }
}

TEST_CASE("padded keys get no weight: changing them leaves the real positions unchanged") {
  for (const auto& variant : kVariants) {
    INFO(variant);
    Generator gen(7);
    Attention layer(small_config(variant), gen, nullptr);
    randomize(layer, 8);
    const AttentionMask mask = make_mask({"padding", false, kRightPadding});
    const Tensor x = randn({kBatch, kLength, 8}, gen);
    Tensor changed = x.clone();
    copy_into(changed.select(0, 1).narrow(0, 3, 2), randn({2, 8}, gen));
    const Tensor y1 = layer.forward(Variable(x), mask).data();
    const Tensor y2 = layer.forward(Variable(changed), mask).data();
    CHECK(y1.select(0, 1).narrow(0, 0, 3).to_vector<float>() ==
          y2.select(0, 1).narrow(0, 0, 3).to_vector<float>());
    CHECK(y1.select(0, 0).to_vector<float>() == y2.select(0, 0).to_vector<float>());
  }
}

TEST_CASE("R with a zero matrix averages the values uniformly") {
  Generator gen(9);
  Attention layer(small_config("R"), gen, nullptr);
  randomize(layer, 10);
  fill_inplace(layer.named_parameters()[0].second.data(), 0.0f);  // R.matrix
  REQUIRE(layer.named_parameters()[0].first == "R.matrix");
  const Tensor x = randn({1, 4, 8}, gen);
  const Tensor y = layer.forward(Variable(x), {}).data();
  // Every output row is Wo (Wv mean_t(x_t) + bv) + bo, in plain double loops.
  const auto affine = [](const nn::Linear& linear, const std::vector<double>& in) {
    std::vector<double> out(in.size());
    for (int64_t o = 0; o < 8; ++o) {
      out[o] = linear.bias.data().at<float>({o});
      for (int64_t i = 0; i < 8; ++i) out[o] += linear.weight.data().at<float>({o, i}) * in[i];
    }
    return out;
  };
  std::vector<double> mean_x(8, 0.0);
  for (int64_t t = 0; t < 4; ++t)
    for (int64_t e = 0; e < 8; ++e) mean_x[e] += x.at<float>({0, t, e}) / 4.0;
  const std::vector<double> expected = affine(*layer.output, affine(*layer.value, mean_x));
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t e = 0; e < 8; ++e) CHECK(std::fabs(y.at<float>({0, i, e}) - expected[e]) <= 1e-5);
}

TEST_CASE("mixture weights are a softmax: positive and summing to one") {
  Generator gen(11);
  Attention layer(small_config("R+D+V"), gen, nullptr);
  CHECK(layer.mixing_weights().to_vector<float>() == std::vector<float>(3, 1.0f / 3));
  copy_into(layer.mix.data(), from_vector<float>({2, -1, 0.5f}));
  const auto alpha = layer.mixing_weights().to_vector<float>();
  CHECK(alpha[0] + alpha[1] + alpha[2] == doctest::Approx(1.0).epsilon(1e-6).scale(0));
  CHECK(alpha[0] > alpha[2]);
  CHECK(alpha[2] > alpha[1]);
}

TEST_CASE("attention weights are kept on request: rows sum to one, masked keys are zero") {
  Generator gen(12);
  Attention layer(small_config("R+V"), gen, nullptr);
  randomize(layer, 13);
  layer.keep_attention_weights(true);
  layer.forward(Variable(randn({kBatch, kLength, 8}, gen)), make_mask(kCausalAndPadding));
  const Tensor p = layer.attention_weights();
  REQUIRE(p.shape() == Shape{kBatch, 2, kLength, kLength});
  const Tensor rows = sum(p, {-1});
  for (float v : rows.to_vector<float>()) CHECK(v == doctest::Approx(1.0f).epsilon(1e-6).scale(0));
  CHECK(p.at<float>({0, 1, 1, 2}) == 0.0f);  // causal: query 1 never sees key 2
  CHECK(p.at<float>({1, 0, 4, 3}) == 0.0f);  // padding: key 3 of example 1
}

TEST_CASE("forward_first is position 0 of forward, also when the weights are kept") {
  for (const bool keep : {false, true}) {
    INFO("keep weights: ", keep);
    Generator gen(15);
    Attention layer(small_config("R+V"), gen, nullptr);
    randomize(layer, 16);
    layer.keep_attention_weights(keep);
    const Variable x(randn({kBatch, kLength, 8}, gen));
    const nn::AttentionMask mask = make_mask(kCausalAndPadding);
    const Tensor first = layer.forward_first(x, mask).data();
    REQUIRE(first.shape() == Shape{kBatch, 1, 8});
    // Kept weights are the whole [B, H, L, L] of the call, as forward keeps them.
    if (keep) CHECK(layer.attention_weights().shape() == Shape{kBatch, 2, kLength, kLength});
    const auto want = layer.forward(x, mask).data().narrow(1, 0, 1).contiguous().to_vector<float>();
    const auto got = first.contiguous().to_vector<float>();
    for (size_t i = 0; i < got.size(); ++i)
      CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5).scale(1.0));
  }
}

TEST_CASE("clear errors for a long sequence, bad FD factors, unknown variants and bad input") {
  Generator gen(14);
  Attention layer(small_config("R"), gen, nullptr);
  CHECK_THROWS_WITH_AS(layer.forward(Variable(zeros({1, 7, 8})), {}),
                       doctest::Contains("sequence length 7 exceeds the layer's maximum length 6"),
                       Error);
  CHECK_THROWS_WITH_AS(layer.forward(Variable(zeros({1, 3, 5})), {}),
                       doctest::Contains("[1, 3, 5]"), Error);
  AttentionConfig bad_fd = small_config("FD");
  bad_fd.factor_a = 4;
  CHECK_THROWS_WITH_AS(Attention(bad_fd, gen, nullptr),
                       doctest::Contains("must multiply to the maximum length 6"), Error);
  CHECK_THROWS_WITH_AS(Attention(small_config("R+X"), gen, nullptr),
                       doctest::Contains("unknown part 'X'"), Error);
  CHECK_THROWS_WITH_AS(Attention(small_config("V+V"), gen, nullptr),
                       doctest::Contains("appears twice"), Error);
  AttentionConfig with_dropout = small_config("V");
  with_dropout.dropout = 0.1f;
  CHECK_THROWS_WITH_AS(Attention(with_dropout, gen, nullptr),
                       doctest::Contains("attention dropout 0.1 needs a dropout generator"), Error);
  AttentionMask wrong{.padding = zeros({1, 3}, DType::b8), .causal = false};
  CHECK_THROWS_WITH_AS(layer.forward(Variable(zeros({2, 3, 8})), wrong),
                       doctest::Contains("padding must be b8 of shape [2, 3]"), Error);
}

TEST_CASE("a logit source built on its own checks its sizes and the sequence length") {
  // Outside an Attention, nothing else validates the config: 0 heads was a division by zero.
  Generator gen(15);
  AttentionConfig no_heads = small_config("V");
  no_heads.heads = 0;
  for (nn::LogitKind kind : {nn::LogitKind::dot_product, nn::LogitKind::dense,
                             nn::LogitKind::random, nn::LogitKind::random_fixed,
                             nn::LogitKind::factorized_dense, nn::LogitKind::factorized_random})
    CHECK_THROWS_WITH_AS(nn::make_logits(kind, no_heads, gen),
                         doctest::Contains("dim 8 must be a positive multiple of heads 0"), Error);
  AttentionConfig three_heads = small_config("D");
  three_heads.heads = 3;
  CHECK_THROWS_WITH_AS(nn::DenseLogits(three_heads, gen),
                       doctest::Contains("DenseLogits: dim 8 must be a positive multiple"), Error);
  CHECK_THROWS_WITH_AS(nn::split_heads(Variable(zeros({1, 3, 8})), 0),
                       doctest::Contains("does not split into 0 heads"), Error);
  const Variable seven(zeros({1, 7, 8}));
  for (nn::LogitKind kind : {nn::LogitKind::dense, nn::LogitKind::random,
                             nn::LogitKind::factorized_dense, nn::LogitKind::factorized_random})
    CHECK_THROWS_WITH_AS(nn::make_logits(kind, small_config("V"), gen)->forward(seven),
                         doctest::Contains("sequence length 7 exceeds the maximum length 6"),
                         Error);
  // More query rows than the sequence has: the input-blind sources would not notice on their own.
  const Variable three(zeros({1, 3, 8}));
  for (nn::LogitKind kind : {nn::LogitKind::random, nn::LogitKind::factorized_random})
    CHECK_THROWS_WITH_AS(nn::make_logits(kind, small_config("V"), gen)->forward_queries(three, 4),
                         doctest::Contains("4 query rows of a sequence of length 3"), Error);
}

TEST_CASE("FD factors whose product overflows are refused, not wrapped round to max_length") {
  AttentionConfig huge = small_config("FD");
  huge.max_length = 8;
  huge.factor_a = 3;
  // 3 b is 2^64 + 8: wrapped to 64 bits, a * b equalled max_length.
  huge.factor_b = 6148914691236517208;
  CHECK_THROWS_WITH_AS(nn::validate(huge),
                       "attention FD: factors a=3 and b=6148914691236517208 must multiply to the "
                       "maximum length 8",
                       Error);
  huge.factor_a = 2;
  huge.factor_b = 4;
  CHECK(nn::factorized_dense_factors(huge) == std::pair<int64_t, int64_t>{2, 4});
}

TEST_CASE("Rfix's fixed matrices are counted as buffer values, which no parameter count shows") {
  for (const auto& variant : kVariants) {
    Generator gen(0);
    Attention layer(small_config(variant), gen, nullptr);
    INFO(variant);
    int64_t values = 0;
    for (const auto& [name, buffer] : layer.named_buffers()) values += buffer.numel();
    CHECK(values == nn::expected_buffer_count(small_config(variant)));
  }
  CHECK(nn::expected_buffer_count(small_config("Rfix")) == 2 * 36);
  CHECK(nn::expected_buffer_count(small_config("Rfix+V")) == 2 * 36);
  CHECK(nn::expected_buffer_count(small_config("R")) == 0);
}

TEST_CASE("Rfix is a saved buffer, not a trained parameter") {
  Generator gen(15);
  Attention layer(small_config("Rfix"), gen, nullptr);
  const auto buffers = layer.named_buffers();
  REQUIRE(buffers.size() == 1);
  CHECK(buffers[0].first == "Rfix.matrix");
  for (auto& [name, p] : layer.named_parameters()) CHECK(name.find("Rfix") == std::string::npos);
  // normal(0, 1): far from uniform attention.
  const auto values = buffers[0].second.to_vector<float>();
  double sq = 0;
  for (float v : values) sq += v * v;
  CHECK(std::sqrt(sq / static_cast<double>(values.size())) > 0.5);
}

TEST_CASE("the heat map is a PGM with one tile per head") {
  Generator gen(16);
  const Tensor p = softmax(randn({3, 4, 4}, gen), -1);
  const std::string path = "attention_heatmap_test.pgm";
  nn::write_attention_heatmap(p, path, 2);
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int64_t width = 0, height = 0, maxval = 0;
  in >> magic >> width >> height >> maxval;
  CHECK(magic == "P5");
  CHECK(width == 3 * 8 + 2 * 2);
  CHECK(height == 8);
  CHECK(maxval == 255);
  in.get();
  std::string pixels((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(pixels.size() == static_cast<size_t>(width * height));
  std::remove(path.c_str());
}

TEST_CASE("the heat map refuses no heads or no positions (it read a null pointer)") {
  for (const Shape& shape : {Shape{2, 0, 0}, Shape{0, 3, 3}})
    CHECK_THROWS_WITH_AS(nn::write_attention_heatmap(zeros(shape), "never_written.pgm", 1),
                         ("write_attention_heatmap: expected f32 [heads, L, L] with heads and L > "
                          "0, got " +
                          shape_str(shape))
                             .c_str(),
                         Error);
}

TEST_CASE("the heat map refuses probabilities that are not finite") {
  // A NaN peak made every pixel of the tile black, and casting NaN to a pixel is undefined.
  const std::string path = "never_written.pgm";
  std::vector<float> p(2 * 3 * 3, 0.25f);
  p[9 + 3 + 2] = std::nanf("");
  CHECK(testing::error_message([&] {
          nn::write_attention_heatmap(from_vector(p, {2, 3, 3}), path, 1);
        }) == "write_attention_heatmap: probability nan at head 1, row 1, column 2 is not finite");
  p[9 + 3 + 2] = INFINITY;
  CHECK(testing::error_message([&] {
          nn::write_attention_heatmap(from_vector(p, {2, 3, 3}), path, 1);
        }) == "write_attention_heatmap: probability inf at head 1, row 1, column 2 is not finite");
  CHECK_FALSE(std::ifstream(path).good());
}

TEST_CASE("attention dropout draws a separate mask for every example, even for input-blind R") {
  Generator gen(17);
  AttentionConfig config = small_config("R");
  config.dropout = 0.5f;
  Attention layer(config, gen, std::make_shared<Generator>(3));
  randomize(layer, 18);
  layer.train();
  layer.keep_attention_weights(true);
  const Tensor one = randn({1, kLength, 8}, gen);
  const Tensor twice = concat(std::vector<Tensor>{one, one}, 0);  // two identical examples
  const Tensor y = layer.forward(Variable(twice), {}).data();
  CHECK(y.select(0, 0).to_vector<float>() != y.select(0, 1).to_vector<float>());
  // The kept weights are the probabilities before dropout: rows still sum to one.
  for (float v : sum(layer.attention_weights(), {-1}).to_vector<float>())
    CHECK(v == doctest::Approx(1.0f).epsilon(1e-6).scale(0));
}

TEST_CASE(
    "a query that sees no key gives the output bias and passes no gradient, in every variant") {
  for (const auto& variant : kVariants) {
    INFO(variant);
    Generator gen(19);
    Attention layer(small_config(variant), gen, nullptr);
    randomize(layer, 20);
    Variable x(randn({kBatch, kLength, 8}, gen), true);
    const Variable y = layer.forward(x, make_mask({"all padding", false, kEmptySecondExample}));
    sum(y * y).backward();
    // docs/attention.md, section 7: zero probabilities, so the context is 0 and y = bo.
    const std::vector<float> bias = layer.output->bias.data().to_vector<float>();
    for (int64_t i = 0; i < kLength; ++i)
      CHECK(y.data().select(0, 1).select(0, i).to_vector<float>() == bias);
    for (float g : x.grad().select(0, 1).to_vector<float>()) CHECK(g == 0.0f);
  }
}

TEST_CASE(
    "attention dropout zeroes a fraction p of the probabilities and scales the rest by 1/(1-p)") {
  constexpr float p = 0.3f;
  constexpr int64_t batch = 64;  // 3200 probabilities: the dropped fraction has sigma 0.008
  for (const auto& variant : kVariants) {
    INFO(variant);
    const auto layer = make_probe(variant, p, 25);
    layer->train();
    Generator gen(26);
    const auto [before, after] = probe(*layer, unit_vector_input(batch, gen));
    REQUIRE(after.size() == before.size());
    // No mask: every probability is positive, so a zero after dropout is a dropped entry.
    REQUIRE(std::all_of(before.begin(), before.end(), [](float v) { return v > 0.0f; }));
    int64_t dropped = 0, wrongly_scaled = 0;
    for (size_t i = 0; i < after.size(); ++i) {
      const double scaled = before[i] / (1.0 - p);
      if (after[i] == 0.0f)
        ++dropped;
      else if (!(std::fabs(after[i] - scaled) <= 1e-6 * scaled))  // float rounding only
        ++wrongly_scaled;
    }
    CHECK(wrongly_scaled == 0);
    CHECK(std::fabs(static_cast<double>(dropped) / static_cast<double>(after.size()) - p) < 0.04);
  }
}

TEST_CASE("attention dropout is the identity once the enclosing model is in eval mode") {
  for (const auto& variant : kVariants) {
    INFO(variant);
    const auto layer = make_probe(variant, 0.5f, 27);
    Generator gen(28);
    // As in a model, the layer is switched by the module that holds it.
    nn::TransformerBlock block(layer, layer->config().dim, 4, 0.0f, gen, nullptr);
    const Tensor x = unit_vector_input(kBatch, gen);
    block.eval();
    const Probabilities evaluated = probe(*layer, x);
    CHECK(evaluated.after_dropout == evaluated.before_dropout);
    // In training mode the same layer does drop, so the probe can tell the two apart.
    block.train();
    CHECK(probe(*layer, x).after_dropout != evaluated.before_dropout);
  }
}

// What fused attention is for: a V layer's training step holds no [B, H, L, L] tensor. The
// allocator counts every tensor's bytes; one [B, H, L, L] f32 tensor here is 16 MiB, against
// about 1 MiB of activations and gradients [B, L, d].
TEST_CASE("a fused V layer's forward and backward store nothing of size L x L, the unfused do") {
  const int64_t batch = 1, length = 1024;
  AttentionConfig config{
      .dim = 32, .heads = 4, .max_length = length, .variant = "V", .dropout = 0.1f};
  const double square_bytes = 4.0 * batch * config.heads * length * length;
  Generator data(1);
  const Tensor x = randn({batch, length, config.dim}, data);
  AttentionMask mask;
  mask.causal = true;
  for (bool fused : {true, false}) {
    Generator init(2);
    Attention layer(config, init, std::make_shared<Generator>(3));
    layer.set_fused(fused);
    Variable xv(x, true);
    const size_t before = allocator_stats().bytes_in_use;
    reset_peak_bytes_in_use();
    sum(layer.forward(xv, mask)).backward();
    const double peak = static_cast<double>(allocator_stats().peak_bytes_in_use - before);
    INFO(std::string(fused ? "fused" : "unfused") << ": peak " << peak / (1 << 20) << " MiB");
    if (fused)
      CHECK(peak < square_bytes / 4);
    else
      CHECK(peak >= square_bytes);
  }
}
