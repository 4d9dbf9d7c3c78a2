#include <doctest/doctest.h>

#include "fixtures.h"
#include "synthgrad/data/token_weights.h"
#include "synthgrad/data/tokenizer.h"

using namespace sg;
using sg::testing::error_message;

TEST_CASE("smooth inverse frequencies weigh frequent words less, unseen ones 1, specials 0") {
  // The special tokens' counts are left out; the words' p = 0, 1/4, 3/4 with a = 1/4 give 1,
  // (1/4) / (1/2), (1/4) / 1.
  std::vector<int64_t> counts(data::kNumSpecialTokens, 1000);
  counts.insert(counts.end(), {0, 1, 3});
  std::vector<float> want(data::kNumSpecialTokens, 0.0f);
  want.insert(want.end(), {1.0f, 0.5f, 0.25f});
  const Tensor weights = data::smooth_inverse_frequencies(counts, 0.25);
  CHECK(weights.shape() == Shape{static_cast<int64_t>(counts.size())});
  CHECK(weights.to_vector<float>() == want);
}

TEST_CASE("smooth inverse frequencies refuse a <= 0, negative counts and no counted word") {
  std::vector<int64_t> counts(data::kNumSpecialTokens, 7);
  counts.insert(counts.end(), {1, 2});
  CHECK(error_message([&] { data::smooth_inverse_frequencies(counts, 0.0); }).find("a must be") !=
        std::string::npos);
  counts.back() = -2;
  CHECK(error_message([&] { data::smooth_inverse_frequencies(counts, 0.1); }).find("negative") !=
        std::string::npos);
  counts.back() = counts[counts.size() - 2] = 0;  // specials counted, no word
  CHECK(error_message([&] {
          data::smooth_inverse_frequencies(counts, 0.1);
        }).find("none of the 2 words was counted") != std::string::npos);
}
