#include "synthgrad/core/random.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string_view>
#include <system_error>

#include "synthgrad/core/error.h"
#include "synthgrad/core/parallel.h"
#include "synthgrad/core/simd_dispatch.h"

namespace sg {

namespace {

// SplitMix64's finaliser: a bijective mix whose outputs for consecutive inputs are independent.
uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The draw at `counter` is mix64(key ^ counter * kCounterStep), where the key depends on the seed
// only: loops over many counters compute it once, and add kCounterStep from one counter's
// product to the next's instead of multiplying.
constexpr uint64_t kCounterStep = 0xd1b54a32d192ed03ULL;  // odd: counters stay distinct
uint64_t key_of(uint64_t seed) {
  return mix64(seed + 0x9e3779b97f4a7c15ULL);
}
uint64_t bits_from_key(uint64_t key, uint64_t counter) {
  return mix64(key ^ (counter * kCounterStep));
}

// The dropout factor for 32 random bits: `scale` when their top 24 fall below `threshold`, else 0.
float keep_factor(uint32_t bits, uint32_t threshold, float scale) {
  return (bits >> 8) < threshold ? scale : 0.0f;
}

// Kept when the top 24 of the element's 32 bits, as a uniform in [0, 1), fall below 1 - p:
// compared as integers against ceil((1 - p) 2^24), which is the same test.
uint32_t keep_threshold(float p) {
  return static_cast<uint32_t>(std::ceil((1.0 - p) * 0x1.0p24));
}

// The mask's hash is two 64-bit multiplies per pair of elements (the counter's product advances by
// adding kCounterStep: 24% less time per element on an Intel Xeon): AVX2 has no 64-bit vector
// multiply and emulates it, AVX-512DQ has one. So the loop is also compiled for x86-64-v4
// (core/simd_dispatch.h); integer arithmetic, so both copies give the same bits.

// x * mask / (1 - p) for the element pairs [begin, end), pair i taking the two 32-bit halves of
// the draw at first + i; without x, the factors themselves. Plain value parameters: the compiler
// then knows that the stores alias none of them, and vectorises the loop.
SG_ALSO_FOR_AVX512 void apply_mask_to_pairs(const float* x, float* out, int64_t begin, int64_t end,
                                            uint64_t key, uint64_t first, uint32_t threshold,
                                            float scale) {
  uint64_t product = (first + static_cast<uint64_t>(begin)) * kCounterStep;
  for (int64_t i = begin; i < end; ++i, product += kCounterStep) {
    const uint64_t bits = mix64(key ^ product);
    const float f0 = keep_factor(static_cast<uint32_t>(bits), threshold, scale);
    const float f1 = keep_factor(static_cast<uint32_t>(bits >> 32), threshold, scale);
    out[2 * i] = x ? x[2 * i] * f0 : f0;
    out[2 * i + 1] = x ? x[2 * i + 1] * f1 : f1;
  }
}

// Box-Muller on two draws; the uniform is shifted into (0, 1] so the logarithm stays finite.
float normal_from(uint64_t bits_a, uint64_t bits_b) {
  double u1 = 1.0 - static_cast<double>(bits_a >> 11) * 0x1.0p-53;
  double u2 = static_cast<double>(bits_b >> 11) * 0x1.0p-53;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
}

// Element i takes the draws at counters first + i * draws_per_element onwards.
template <class T, class Draw>
Tensor fill_random(const Shape& shape, Generator& gen, uint64_t draws_per_element,
                   const Draw& draw) {
  Tensor out = Tensor::empty(shape, dtype_of<T>());
  T* data = out.data<T>();
  const uint64_t first = gen.reserve(static_cast<uint64_t>(out.numel()) * draws_per_element);
  parallel_for(0, out.numel(), kParallelGrain / 8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      data[i] = draw(first + static_cast<uint64_t>(i) * draws_per_element);
  });
  return out;
}

}  // namespace

uint64_t Generator::reserve(uint64_t count) {
  uint64_t first = state_.counter;
  state_.counter += count;
  return first;
}

uint64_t Generator::bits_at(uint64_t counter) const {
  return bits_from_key(key_of(state_.seed), counter);
}

std::string to_string(const GeneratorState& state) {
  return fmt::format("{}:{}", state.seed, state.counter);
}

GeneratorState parse_generator_state(const std::string& text) {
  // from_chars takes digits alone: stoull read "-1" as 2^64 - 1 and skipped leading spaces.
  const auto whole_number = [](std::string_view digits, uint64_t& out) {
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return !digits.empty() && error == std::errc{} && end == digits.data() + digits.size();
  };
  GeneratorState state;
  const std::string_view view = text;
  const auto colon = view.find(':');
  SG_CHECK(colon != std::string_view::npos && whole_number(view.substr(0, colon), state.seed) &&
               whole_number(view.substr(colon + 1), state.counter),
           "parse_generator_state: expected 'seed:counter', got '{}'", text);
  return state;
}

float bits_to_uniform(uint64_t bits) {
  return static_cast<float>(bits >> 40) * 0x1.0p-24f;
}

int64_t sample_softmax(std::span<const float> logits, double uniform, float temperature) {
  SG_CHECK(!logits.empty() && temperature > 0.0f,
           "sample_softmax: {} logits at temperature {}: need at least one and a positive "
           "temperature",
           logits.size(), temperature);
  const float peak = *std::max_element(logits.begin(), logits.end());
  const auto weight = [&](float logit) {
    return static_cast<double>(std::exp((logit - peak) / temperature));
  };
  double total = 0.0;
  for (const float logit : logits) total += weight(logit);
  double rest = uniform * total;
  for (size_t i = 0; i < logits.size(); ++i) {
    rest -= weight(logits[i]);
    if (rest < 0) return static_cast<int64_t>(i);
  }
  return static_cast<int64_t>(logits.size()) - 1;
}

float Generator::uniform() {
  return bits_to_uniform(bits_at(reserve(1)));
}

float Generator::normal() {
  uint64_t first = reserve(2);
  return normal_from(bits_at(first), bits_at(first + 1));
}

Tensor randn(const Shape& shape, Generator& gen, float mean, float stddev) {
  return fill_random<float>(shape, gen, 2, [&](uint64_t c) {
    return mean + stddev * normal_from(gen.bits_at(c), gen.bits_at(c + 1));
  });
}

Tensor rand_uniform(const Shape& shape, Generator& gen, float low, float high) {
  SG_CHECK(low <= high, "rand_uniform: low {} is above high {}", low, high);
  return fill_random<float>(shape, gen, 1, [&](uint64_t c) {
    return low + (high - low) * bits_to_uniform(gen.bits_at(c));
  });
}

Tensor bernoulli(const Shape& shape, float p, Generator& gen) {
  SG_CHECK(p >= 0.0f && p <= 1.0f, "bernoulli: probability {} is outside [0, 1]", p);
  return fill_random<uint8_t>(shape, gen, 1, [&](uint64_t c) -> uint8_t {
    return bits_to_uniform(gen.bits_at(c)) < p ? 1 : 0;
  });
}

DropoutMask reserve_dropout_mask(Generator& gen, int64_t numel, float p) {
  SG_CHECK(numel >= 0 && p >= 0.0f && p < 1.0f,
           "reserve_dropout_mask: probability {} is outside [0, 1) or count {} is negative", p,
           numel);
  const uint64_t first = gen.reserve((static_cast<uint64_t>(numel) + 1) / 2);
  return {gen.state().seed, first, numel, p};
}

Tensor apply_dropout_mask(const Tensor& x, const DropoutMask& mask) {
  SG_CHECK(x.defined() && x.dtype() == DType::f32 && x.numel() == mask.numel,
           "apply_dropout_mask: expected an f32 tensor of {} elements, got {}", mask.numel,
           x.defined() ? shape_str(x.shape()) : "undefined");
  const Tensor cx = x.contiguous();
  Tensor out = Tensor::empty(x.shape());
  const float* px = cx.data<float>();
  float* po = out.data<float>();
  const uint32_t threshold = keep_threshold(mask.p);
  const float scale = 1.0f / (1.0f - mask.p);
  const uint64_t key = key_of(mask.seed);
  const int64_t pairs = mask.numel / 2;
  parallel_for(0, pairs, kParallelGrain / 2, [&](int64_t begin, int64_t end) {
    apply_mask_to_pairs(px, po, begin, end, key, mask.first, threshold, scale);
  });
  if (mask.numel % 2 == 1) {  // the last element has a draw of its own and uses its low half
    float factor;
    dropout_factors(mask, mask.numel - 1, 1, &factor);
    po[mask.numel - 1] = px[mask.numel - 1] * factor;
  }
  return out;
}

void dropout_factors(const DropoutMask& mask, int64_t begin, int64_t count, float* factors) {
  const uint32_t threshold = keep_threshold(mask.p);
  const float scale = 1.0f / (1.0f - mask.p);
  const uint64_t key = key_of(mask.seed);
  // Element e uses the low half of draw first + e / 2 when e is even, the high half when odd: an
  // odd first element takes its draw's high half alone, whole pairs follow in a loop that
  // vectorises, then a last lone low half.
  const auto half = [&](int64_t e) {
    const uint64_t bits = bits_from_key(key, mask.first + static_cast<uint64_t>(e / 2));
    return keep_factor(static_cast<uint32_t>(e % 2 == 0 ? bits : bits >> 32), threshold, scale);
  };
  int64_t i = 0;
  if (begin % 2 == 1 && count > 0) factors[i++] = half(begin);
  const int64_t pairs = (count - i) / 2;
  apply_mask_to_pairs(nullptr, factors + i, 0, pairs, key,
                      mask.first + static_cast<uint64_t>((begin + i) / 2), threshold, scale);
  i += 2 * pairs;
  if (i < count) factors[i] = half(begin + i);
}

}  // namespace sg
