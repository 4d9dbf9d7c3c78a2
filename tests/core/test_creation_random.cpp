#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

// Sample mean and standard deviation, accumulated in double.
std::pair<double, double> mean_and_std(const std::vector<float>& values) {
  double total = 0.0, squares = 0.0;
  for (float v : values) total += v;
  const double mean = total / static_cast<double>(values.size());
  for (float v : values) squares += (v - mean) * (v - mean);
  return {mean, std::sqrt(squares / static_cast<double>(values.size()))};
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("zeros ones and full fill every dtype") {
  CHECK(zeros({2, 3}).to_vector<float>() == std::vector<float>(6, 0.0f));
  CHECK(ones({4}, DType::i64).to_vector<int64_t>() == std::vector<int64_t>(4, 1));
  CHECK(full({2, 2}, 2.5f).to_vector<float>() == std::vector<float>(4, 2.5f));
  CHECK(full({3}, 7.0f, DType::i32).to_vector<int32_t>() == std::vector<int32_t>(3, 7));
  CHECK(ones({2}, DType::b8).to_vector<uint8_t>() == std::vector<uint8_t>{1, 1});
  Tensor z = zeros({2, 0, 3});
  CHECK(z.shape() == Shape{2, 0, 3});
  CHECK(z.numel() == 0);
  CHECK(z.is_contiguous());
  CHECK(ones({3}, DType::i64).dtype() == DType::i64);
  CHECK_THROWS_AS(zeros({2, -1}), Error);
}

TEST_CASE("scalar is a rank-0 f32 tensor") {
  Tensor s = scalar(-1.25f);
  CHECK(s.dim() == 0);
  CHECK(s.shape().empty());
  CHECK(s.dtype() == DType::f32);
  CHECK(s.item<float>() == -1.25f);
}

TEST_CASE("arange counts up or down by step and may be empty") {
  CHECK(arange(5).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(arange(2, 11, 3).to_vector<int64_t>() == std::vector<int64_t>{2, 5, 8});
  CHECK(arange(5, 0, -2).to_vector<int64_t>() == std::vector<int64_t>{5, 3, 1});
  CHECK(arange(3, DType::f32).to_vector<float>() == std::vector<float>{0, 1, 2});
  CHECK(arange(-2, 1, 1, DType::i32).to_vector<int32_t>() == std::vector<int32_t>{-2, -1, 0});
  CHECK(arange(4, 4).numel() == 0);
  CHECK(arange(5, 0).numel() == 0);
  CHECK(arange(0, 5, -1).numel() == 0);
  CHECK_THROWS_AS(arange(0, 5, 0), Error);
}

TEST_CASE("arange over a range wider than int64 is an error, not an overflow") {
  CHECK_THROWS_WITH_AS(arange(0, std::numeric_limits<int64_t>::max()),
                       doctest::Contains("has more bytes than memory addresses"), Error);
  CHECK_THROWS_WITH_AS(
      arange(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()),
      doctest::Contains("more elements than int64 counts"), Error);
  CHECK(arange(std::numeric_limits<int64_t>::max() - 2, std::numeric_limits<int64_t>::max(), 1,
               DType::i64)
            .to_vector<int64_t>() == std::vector<int64_t>{std::numeric_limits<int64_t>::max() - 2,
                                                          std::numeric_limits<int64_t>::max() - 1});
}

TEST_CASE("from_vector copies values into the requested shape") {
  std::vector<float> values{1, 2, 3, 4, 5, 6};
  Tensor t = from_vector(values, {2, 3});
  values[0] = 100.0f;  // the tensor owns a copy
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.at<float>({0, 0}) == 1.0f);
  CHECK(t.at<float>({1, 2}) == 6.0f);
  CHECK(from_vector<int64_t>({4, 5}).shape() == Shape{2});
  CHECK(from_vector<int32_t>({4, 5}).dtype() == DType::i32);
  CHECK(from_vector<uint8_t>({1, 0, 1}, {3, 1}).dtype() == DType::b8);
  CHECK(from_vector<float>({3.5f}, {}).item<float>() == 3.5f);
  CHECK(from_vector<float>({}, {0, 4}).numel() == 0);
  CHECK_THROWS_AS(from_vector<float>({1, 2, 3}, {2, 2}), Error);
}

TEST_CASE("the same seed gives the same numbers") {
  Generator a(1234), b(1234), c(1235);
  const std::vector<float> x = randn({1000}, a).to_vector<float>();
  CHECK(same_bits(x, randn({1000}, b).to_vector<float>()));
  CHECK_FALSE(same_bits(x, randn({1000}, c).to_vector<float>()));
  CHECK_FALSE(same_bits(x, randn({1000}, a).to_vector<float>()));  // the counter moved on
}

TEST_CASE("a saved generator state replays the same draws") {
  Generator gen(7);
  (void)rand_uniform({10}, gen);
  const GeneratorState saved = gen.state();
  CHECK(saved.seed == 7);
  CHECK(saved.counter == 10);  // one draw per uniform element
  const std::vector<float> first = randn({64}, gen).to_vector<float>();
  CHECK(gen.state().counter == 10 + 2 * 64);  // two draws per normal element
  gen.set_state(saved);
  CHECK(same_bits(first, randn({64}, gen).to_vector<float>()));
}

TEST_CASE("a generator state is read back from digits alone") {
  const GeneratorState state =
      parse_generator_state(to_string(GeneratorState{7, 18446744073709551615u}));
  CHECK(state.seed == 7);
  CHECK(state.counter == 18446744073709551615u);
  // stoull read "-1" as 2^64 - 1 and skipped spaces: a damaged checkpoint resumed another stream.
  for (const char* bad : {"-1:0", "5:-2", " 5:2", "5: 2", "5:2 ", "5:", ":2", "52", "5:2:3",
                          "18446744073709551616:0", "+5:2"})
    CHECK_THROWS_WITH_AS(parse_generator_state(bad),
                         doctest::Contains("parse_generator_state: expected 'seed:counter'"),
                         Error);
}

TEST_CASE("randn draws the same numbers as repeated Generator::normal") {
  Generator a(99), b(99);
  const std::vector<float> tensor = randn({257}, a).to_vector<float>();
  std::vector<float> scalars;
  for (int i = 0; i < 257; ++i) scalars.push_back(b.normal());
  CHECK(same_bits(tensor, scalars));
  CHECK(a.state().counter == b.state().counter);
}

TEST_CASE("randn has the requested mean and standard deviation") {
  Generator gen(2024);
  const auto [mean, stddev] = mean_and_std(randn({100000}, gen, 3.0f, 2.0f).to_vector<float>());
  // The standard error of the mean is 2 / sqrt(1e5) ~ 0.006; allow five of them.
  CHECK(std::abs(mean - 3.0) < 0.03);
  CHECK(std::abs(stddev - 2.0) < 0.03);
  const std::vector<float> standard = randn({100000}, gen).to_vector<float>();
  CHECK(std::all_of(standard.begin(), standard.end(), [](float v) { return std::isfinite(v); }));
  // About 0.27% of a normal sample lies beyond three standard deviations.
  const auto beyond =
      std::count_if(standard.begin(), standard.end(), [](float v) { return std::abs(v) > 3.0f; });
  CHECK(beyond > 150);
  CHECK(beyond < 400);
}

TEST_CASE("rand_uniform stays between low and high and covers the range evenly") {
  Generator gen(5);
  const std::vector<float> u = rand_uniform({100000}, gen, -2.0f, 3.0f).to_vector<float>();
  CHECK(*std::min_element(u.begin(), u.end()) >= -2.0f);
  CHECK(*std::max_element(u.begin(), u.end()) < 3.0f);
  CHECK(*std::min_element(u.begin(), u.end()) < -1.99f);
  CHECK(*std::max_element(u.begin(), u.end()) > 2.99f);
  const auto [mean, stddev] = mean_and_std(u);
  CHECK(std::abs(mean - 0.5) < 0.03);
  CHECK(std::abs(stddev - 5.0 / std::sqrt(12.0)) < 0.02);
  CHECK(rand_uniform({3}, gen, 1.0f, 1.0f).to_vector<float>() == std::vector<float>(3, 1.0f));
  CHECK_THROWS_AS(rand_uniform({3}, gen, 1.0f, 0.0f), Error);
}

TEST_CASE("bits_to_uniform maps the extremes into the unit interval") {
  CHECK(bits_to_uniform(0) == 0.0f);
  CHECK(bits_to_uniform(~uint64_t{0}) < 1.0f);
  CHECK(bits_to_uniform(~uint64_t{0}) > 0.9999f);
}

TEST_CASE("bernoulli gives ones with probability p") {
  Generator gen(11);
  Tensor mask = bernoulli({100000}, 0.3f, gen);
  CHECK(mask.dtype() == DType::b8);
  const std::vector<uint8_t> v = mask.to_vector<uint8_t>();
  CHECK(std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0 || b == 1; }));
  const double frequency = static_cast<double>(std::count(v.begin(), v.end(), 1)) / 100000.0;
  CHECK(std::abs(frequency - 0.3) < 0.01);  // the standard error is ~0.0015
  const std::vector<uint8_t> never = bernoulli({1000}, 0.0f, gen).to_vector<uint8_t>();
  const std::vector<uint8_t> always = bernoulli({1000}, 1.0f, gen).to_vector<uint8_t>();
  CHECK(std::count(never.begin(), never.end(), 1) == 0);
  CHECK(std::count(always.begin(), always.end(), 1) == 1000);
  CHECK_THROWS_AS(bernoulli({3}, 1.5f, gen), Error);
  CHECK_THROWS_AS(bernoulli({3}, -0.1f, gen), Error);
}

TEST_CASE("random draws do not depend on the thread count") {
  ref::ThreadCountGuard guard;
  auto draw = [](int threads) {
    set_num_threads(threads);
    Generator gen(42);
    std::vector<float> out = randn({100000}, gen).to_vector<float>();
    const std::vector<float> u = rand_uniform({100000}, gen).to_vector<float>();
    const std::vector<uint8_t> b = bernoulli({100000}, 0.5f, gen).to_vector<uint8_t>();
    out.insert(out.end(), u.begin(), u.end());
    for (uint8_t bit : b) out.push_back(bit);
    return out;
  };
  const std::vector<float> one = draw(1);
  CHECK(num_threads() == 1);
  const std::vector<float> two = draw(2);
  CHECK(num_threads() == 2);
  CHECK(same_bits(one, two));
}

TEST_CASE("apply_dropout_mask zeroes about p, scales the rest and regenerates the same mask") {
  const float p = 0.25f;
  Generator gen(11);
  const int64_t n = 100001;  // odd: the last element has half a draw of its own
  const DropoutMask mask = reserve_dropout_mask(gen, n, p);
  CHECK(gen.state().counter == (n + 1) / 2);  // two elements per 64-bit draw
  const Tensor x = ones({n});
  const std::vector<float> y = apply_dropout_mask(x, mask).to_vector<float>();
  const float kept = 1.0f / (1.0f - p);
  int64_t dropped = 0, others = 0;
  for (float v : y) {
    if (v == 0.0f)
      ++dropped;
    else if (v != kept)
      ++others;
  }
  CHECK(others == 0);
  CHECK(std::fabs(static_cast<double>(dropped) / n - p) < 0.01);  // sigma is 0.0014
  // The same mask again (what the backward pass does), on any thread count.
  ref::ThreadCountGuard guard;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    CHECK(same_bits(apply_dropout_mask(x, mask).to_vector<float>(), y));
  }
  // Elements are taken in row-major order whatever the strides.
  const Tensor m = ref::random_tensor({40, 30}, 12).transpose(0, 1);
  Generator a(13), b(13);
  CHECK(same_bits(apply_dropout_mask(m, reserve_dropout_mask(a, m.numel(), p)).to_vector<float>(),
                  apply_dropout_mask(m.contiguous(), reserve_dropout_mask(b, m.numel(), p))
                      .to_vector<float>()));
  // A dropped NaN stays NaN, as x * 0 does.
  const Tensor nan = full({64}, std::numeric_limits<float>::quiet_NaN());
  for (float v : apply_dropout_mask(nan, reserve_dropout_mask(gen, 64, 0.5f)).to_vector<float>())
    CHECK(std::isnan(v));
  CHECK_THROWS_AS(apply_dropout_mask(ones({3}), mask), Error);
  CHECK_THROWS_AS(reserve_dropout_mask(gen, 3, 1.0f), Error);
}

TEST_CASE("dropout_factors gives any stretch of the mask that apply_dropout_mask applies") {
  Generator gen(5);
  const int64_t n = 301;
  const DropoutMask mask = reserve_dropout_mask(gen, n, 0.3f);
  const std::vector<float> whole = apply_dropout_mask(ones({n}), mask).to_vector<float>();
  // Even and odd starts, even and odd counts, the lone last element, nothing at all.
  for (const auto& [begin, count] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 301}, {1, 300}, {7, 1}, {8, 2}, {9, 5}, {290, 11}, {300, 1}, {4, 0}}) {
    INFO("begin " << begin << ", count " << count);
    std::vector<float> part(static_cast<size_t>(count) + 1, -1.0f);
    dropout_factors(mask, begin, count, part.data());
    CHECK(part.back() == -1.0f);  // nothing written past the stretch
    part.pop_back();
    CHECK(
        same_bits(part, std::vector<float>(whole.begin() + begin, whole.begin() + begin + count)));
  }
}

TEST_CASE("sample_softmax draws index i with probability softmax(logits / temperature)_i") {
  // Weights 1, 2, 3, 4 at temperature 1; at temperature 2 the logits halve: sqrt of the weights.
  std::vector<float> logits;
  for (const double w : {1.0, 2.0, 3.0, 4.0}) logits.push_back(static_cast<float>(std::log(w)));
  for (const float temperature : {1.0f, 2.0f}) {
    CAPTURE(temperature);
    double total = 0.0;
    std::vector<double> want;
    for (const float logit : logits) total += want.emplace_back(std::exp(logit / temperature));
    // Evenly spaced uniforms: each index takes the share of [0, 1) its probability gives it.
    const int draws = 100000;
    std::vector<double> share(4, 0.0);
    for (int i = 0; i < draws; ++i)
      share[sample_softmax(logits, (i + 0.5) / draws, temperature)] += 1.0 / draws;
    for (size_t v = 0; v < 4; ++v)
      CHECK(share[v] == doctest::Approx(want[v] / total).epsilon(1e-3));
  }
  // Boundaries: the first index at 0, the last just below 1, and -inf logits never drawn.
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> masked{-inf, 0.0f, -inf, 0.0f, -inf};
  CHECK(sample_softmax(masked, 0.0) == 1);
  CHECK(sample_softmax(masked, 0.4999) == 1);
  CHECK(sample_softmax(masked, 0.5) == 3);
  CHECK(sample_softmax(masked, 0.999999) == 3);
  CHECK_THROWS_WITH_AS(sample_softmax({}, 0.5), doctest::Contains("need at least one"), Error);
}
