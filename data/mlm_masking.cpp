#include "synthgrad/data/mlm_masking.h"

#include <algorithm>
#include <cmath>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"
#include "synthgrad/data/tokenizer.h"

namespace sg::data {

namespace {

void check_masking(const Tensor& ids, int64_t vocab_size, const MaskingOptions& o) {
  SG_CHECK(ids.defined() && ids.dtype() == DType::i64 && ids.dim() == 2,
           "mask_tokens: ids must be i64 [batch, length], got {}",
           ids.defined() ? fmt::format("{} {}", dtype_name(ids.dtype()), shape_str(ids.shape()))
                         : "undefined");
  SG_CHECK(vocab_size > kNumSpecialTokens,
           "mask_tokens: a vocabulary of {} has no token beside the {} special ones", vocab_size,
           kNumSpecialTokens);
  SG_CHECK(o.select > 0.0 && o.select <= 1.0 && o.mask >= 0.0 && o.random >= 0.0 &&
               o.mask + o.random <= 1.0,
           "mask_tokens: select {} must be in (0, 1], mask {} and random {} non-negative with a "
           "sum of at most 1",
           o.select, o.mask, o.random);
}

// A uniform pick among the non-special ids, from 32 random bits.
int64_t random_ordinary_id(uint64_t bits, int64_t vocab_size) {
  const auto choices = static_cast<uint64_t>(vocab_size - kNumSpecialTokens);
  return kNumSpecialTokens + static_cast<int64_t>(((bits & 0xFFFFFFFFu) * choices) >> 32);
}

}  // namespace

MaskedTokens mask_tokens(const Tensor& ids, int64_t vocab_size, Generator& gen,
                         const MaskingOptions& options) {
  check_masking(ids, vocab_size, options);
  const int64_t rows = ids.size(0), length = ids.size(1);
  std::vector<int64_t> input = ids.contiguous().to_vector<int64_t>();
  std::vector<int64_t> labels(input.size(), kIgnoreLabel);
  const uint64_t first = gen.reserve(2 * static_cast<uint64_t>(input.size()));
  for (int64_t row = 0; row < rows; ++row) {
    // Candidates ordered by a random key: the first `count` are a uniformly random subset.
    std::vector<std::pair<uint64_t, int64_t>> candidates;
    for (int64_t p = row * length; p < (row + 1) * length; ++p) {
      SG_CHECK(input[p] >= 0 && input[p] < vocab_size,
               "mask_tokens: id {} at [{}, {}] is outside the vocabulary of {}", input[p], row,
               p - row * length, vocab_size);
      if (!is_special_id(input[p]))
        candidates.emplace_back(gen.bits_at(first + 2 * static_cast<uint64_t>(p)), p);
    }
    if (candidates.empty()) continue;
    const auto count = std::max<size_t>(
        1,
        static_cast<size_t>(std::llround(options.select * static_cast<double>(candidates.size()))));
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count),
                      candidates.end());
    for (size_t k = 0; k < count; ++k) {
      const int64_t p = candidates[k].second;
      const uint64_t bits = gen.bits_at(first + 2 * static_cast<uint64_t>(p) + 1);
      const double action = bits_to_uniform(bits);
      labels[p] = input[p];
      if (action < options.mask)
        input[p] = special_id(Special::mask);
      else if (action < options.mask + options.random)
        input[p] = random_ordinary_id(bits, vocab_size);
    }
  }
  return {from_vector(input, ids.shape()), from_vector(labels, ids.shape())};
}

}  // namespace sg::data
