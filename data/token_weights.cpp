#include "synthgrad/data/token_weights.h"

#include <algorithm>
#include <numeric>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"
#include "synthgrad/data/tokenizer.h"

namespace sg::data {

Tensor smooth_inverse_frequencies(const std::vector<int64_t>& counts, double a) {
  SG_CHECK(a > 0.0, "smooth_inverse_frequencies: a must be positive, got {}", a);
  const auto words = counts.begin() + std::min<ptrdiff_t>(kNumSpecialTokens, std::ssize(counts));
  SG_CHECK(std::all_of(words, counts.end(), [](int64_t c) { return c >= 0; }),
           "smooth_inverse_frequencies: a count is negative");
  const int64_t total = std::reduce(words, counts.end(), int64_t{0});
  SG_CHECK(total > 0, "smooth_inverse_frequencies: none of the {} words was counted",
           counts.end() - words);
  std::vector<float> weights(counts.size(), 0.0f);
  for (size_t id = static_cast<size_t>(words - counts.begin()); id < counts.size(); ++id)
    weights[id] =
        static_cast<float>(a / (a + static_cast<double>(counts[id]) / static_cast<double>(total)));
  return from_vector(weights);
}

}  // namespace sg::data
