#include <doctest/doctest.h>

#include <numeric>

#include "fixtures.h"
#include "synthgrad/data/lm_stream.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;

namespace {

using Ids = std::vector<int64_t>;

// Token i has value i, so a window's values show where it starts.
Ids counting(int64_t n) {
  Ids tokens(static_cast<size_t>(n));
  std::iota(tokens.begin(), tokens.end(), int64_t{0});
  return tokens;
}

}  // namespace

TEST_CASE("train and validation split sizes") {
  const TokenSplit small = split_tokens(counting(1000));
  CHECK(small.train.size() == 900);
  CHECK(small.validation.size() == 100);
  CHECK(small.train.back() == 899);
  CHECK(small.validation.front() == 900);
  // tiny-shakespeare's 1,115,394 characters: int(n * 0.9) in nanoGPT's prepare.py.
  const TokenSplit shakespeare = split_tokens(counting(1115394));
  CHECK(shakespeare.train.size() == 1003854);
  CHECK(shakespeare.validation.size() == 111540);
  CHECK(split_tokens(counting(10), 0.5).train.size() == 5);
  CHECK(error_message([] { split_tokens(counting(10), 1.5); }).find("outside [0, 1]") !=
        std::string::npos);
}

TEST_CASE("random windows: shape, contiguity, range and seeding") {
  const Ids tokens = counting(1000);
  Generator gen(7);
  const Tensor batch = random_windows(tokens, 4, 8, gen);
  CHECK(batch.shape() == Shape{4, 9});
  CHECK(batch.dtype() == DType::i64);
  CHECK(gen.state().counter == 4);
  const Ids values = batch.to_vector<int64_t>();
  for (size_t row = 0; row < 4; ++row) {
    const int64_t start = values[row * 9];
    CHECK(start >= 0);
    CHECK(start <= 1000 - 9);
    for (size_t k = 0; k < 9; ++k) CHECK(values[row * 9 + k] == start + static_cast<int64_t>(k));
  }
  Generator same(7);
  CHECK(random_windows(tokens, 4, 8, same).to_vector<int64_t>() == values);
  CHECK(random_windows(tokens, 4, 8, gen).to_vector<int64_t>() != values);

  Generator any(1);
  CHECK(random_windows(counting(9), 3, 8, any).to_vector<int64_t>() == [] {
    Ids rows;
    for (int r = 0; r < 3; ++r)
      for (int64_t k = 0; k < 9; ++k) rows.push_back(k);
    return rows;
  }());
  CHECK(error_message([&] {
          random_windows(counting(8), 2, 8, gen);
        }).find("8 tokens hold no window of 8 + 1") != std::string::npos);
}

TEST_CASE("sequential windows cover each validation target once") {
  const Ids tokens = counting(101);
  CHECK(sequential_window_count(101, 10) == 10);
  CHECK(sequential_window_count(100, 10) == 9);
  CHECK(sequential_batch_count(101, 4, 10) == 3);
  Ids targets;
  for (int64_t b = 0; b < 3; ++b) {
    const Tensor batch = sequential_batch(tokens, 4, 10, b);
    CHECK(batch.shape() == Shape{b < 2 ? 4 : 2, 11});
    for (int64_t row = 0; row < batch.size(0); ++row)
      for (int64_t k = 1; k <= 10; ++k) targets.push_back(batch.at<int64_t>({row, k}));
  }
  CHECK(targets == Ids(tokens.begin() + 1, tokens.end()));
  CHECK(sequential_batch(tokens, 4, 10, 1).at<int64_t>({0, 0}) == 40);
  CHECK(error_message([&] { sequential_batch(tokens, 4, 10, 3); }) ==
        "sequential_batch: batch 3 outside [0, 3)");
}
