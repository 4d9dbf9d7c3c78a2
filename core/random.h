#pragma once
// A counter-based generator: the n-th number of a seed is a pure function of (seed, n), so the same
// seed gives the same numbers on every machine and for every thread count, and the whole state is
// two integers that a checkpoint can save.
#include <cstdint>
#include <span>
#include <string>

#include "synthgrad/core/tensor.h"

namespace sg {

struct GeneratorState {
  uint64_t seed = 0;
  uint64_t counter = 0;
};

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : state_{seed, 0} {}

  // Reserves `count` consecutive 64-bit draws and returns the counter of the first.
  uint64_t reserve(uint64_t count);
  uint64_t bits_at(uint64_t counter) const;  // the draw at `counter`, without advancing

  float uniform();  // in [0, 1)
  float normal();

  GeneratorState state() const { return state_; }
  void set_state(GeneratorState state) { state_ = state; }

 private:
  GeneratorState state_;
};

// "seed:counter", for checkpoint metadata, and back; parsing throws on anything else.
std::string to_string(const GeneratorState& state);
GeneratorState parse_generator_state(const std::string& text);

// In [0, 1) from the top 24 bits of a draw.
float bits_to_uniform(uint64_t bits);

// The index drawn from softmax(logits / temperature) by `uniform` in [0, 1): the first i whose
// cumulative weight exceeds uniform times the total. No buffer: the weights are computed again on
// the way, so sampling each row of a large logits matrix allocates nothing. `logits` must not be
// empty; temperature > 0.
int64_t sample_softmax(std::span<const float> logits, double uniform, float temperature = 1.0f);

Tensor randn(const Shape& shape, Generator& gen, float mean = 0.0f, float stddev = 1.0f);
Tensor rand_uniform(const Shape& shape, Generator& gen, float low = 0.0f, float high = 1.0f);
Tensor bernoulli(const Shape& shape, float p, Generator& gen);  // b8: 1 with probability p

// The keep mask of one inverted-dropout call, as a function rather than a tensor: element i (in
// row-major order) is kept with probability 1 - p, decided by 32 bits of the 64-bit draw at counter
// first + i / 2 of the generator with this seed, so two elements share each draw. Applying it twice
// (forward, then backward) regenerates the same mask on any thread count, and no mask is stored.
struct DropoutMask {
  uint64_t seed;
  uint64_t first;
  int64_t numel;
  float p;
};

// Reserves the draws for a mask over `numel` elements (half as many draws, rounded up).
DropoutMask reserve_dropout_mask(Generator& gen, int64_t numel, float p);
// x * mask / (1 - p) in one pass: 0 where dropped (times x, so NaN and inf stay NaN), x / (1 - p)
// where kept. x must have mask.numel elements; the result is contiguous.
Tensor apply_dropout_mask(const Tensor& x, const DropoutMask& mask);
// The mask's factors (0 or 1 / (1 - p)) of elements [begin, begin + count) into `factors`: for
// kernels that apply the mask to a block of a larger tensor they never store (fused attention).
void dropout_factors(const DropoutMask& mask, int64_t begin, int64_t count, float* factors);

}  // namespace sg
