#include "synthgrad/data/token_weights.h"

#include <algorithm>
#include <numeric>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"

namespace sg::data {

Tensor smooth_inverse_frequencies(const std::vector<int64_t>& counts, double a) {
  SG_CHECK(a > 0.0, "smooth_inverse_frequencies: a must be positive, got {}", a);
  SG_CHECK(std::all_of(counts.begin(), counts.end(), [](int64_t c) { return c >= 0; }),
           "smooth_inverse_frequencies: a count is negative");
  const int64_t total = std::reduce(counts.begin(), counts.end(), int64_t{0});
  SG_CHECK(total > 0, "smooth_inverse_frequencies: no token of the {} was counted", counts.size());
  std::vector<float> weights;
  weights.reserve(counts.size());
  for (const int64_t count : counts)
    weights.push_back(
        static_cast<float>(a / (a + static_cast<double>(count) / static_cast<double>(total))));
  return from_vector(weights);
}

}  // namespace sg::data
