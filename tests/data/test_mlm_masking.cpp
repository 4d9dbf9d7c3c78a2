#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "fixtures.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/parallel.h"
#include "synthgrad/data/mlm_masking.h"
#include "synthgrad/data/tokenizer.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;

namespace {

using Ids = std::vector<int64_t>;
constexpr int64_t kVocab = 1000;
constexpr int64_t CLS = special_id(Special::cls), SEP = special_id(Special::sep),
                  PAD = special_id(Special::pad), MASK = special_id(Special::mask);

// Rows of [CLS] ordinary ids [SEP], then [PAD] for a row-dependent tail; [UNK] sprinkled in.
Tensor packed_rows(int64_t rows, int64_t length, uint64_t seed) {
  Generator gen(seed);
  Ids ids;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t padding = r % 7;
    for (int64_t p = 0; p < length; ++p) {
      const int64_t end = length - 1 - padding;
      if (p == 0)
        ids.push_back(CLS);
      else if (p == end)
        ids.push_back(SEP);
      else if (p > end)
        ids.push_back(PAD);
      else if (p % 11 == 0)
        ids.push_back(special_id(Special::unk));
      else
        ids.push_back(kNumSpecialTokens +
                      static_cast<int64_t>(gen.uniform() * (kVocab - kNumSpecialTokens)));
    }
  }
  return from_vector(ids, {rows, length});
}

int64_t ordinary_count(const Ids& row) {
  return std::count_if(row.begin(), row.end(), [](int64_t id) { return !is_special_id(id); });
}

}  // namespace

TEST_CASE("masking selects 15 percent of each row and shows 80 percent of them as MASK") {
  const int64_t rows = 128, length = 128;
  const Tensor ids = packed_rows(rows, length, 1);
  Generator gen(7);
  const MaskedTokens masked = mask_tokens(ids, kVocab, gen);
  const Ids original = ids.to_vector<int64_t>(), input = masked.ids.to_vector<int64_t>(),
            labels = masked.labels.to_vector<int64_t>();
  int64_t selected = 0, shown_as_mask = 0, replaced = 0, kept = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const auto first = static_cast<size_t>(r * length), last = first + length;
    const int64_t n = ordinary_count(Ids(original.begin() + first, original.begin() + last));
    int64_t row_selected = 0;
    for (size_t p = first; p < last; ++p) {
      if (labels[p] == kIgnoreLabel) {
        CHECK(input[p] == original[p]);
        continue;
      }
      ++row_selected;
      CHECK(labels[p] == original[p]);
      CHECK_FALSE(is_special_id(original[p]));
      if (input[p] == MASK)
        ++shown_as_mask;
      else if (input[p] != original[p])
        ++replaced;
      else
        ++kept;
      CHECK(input[p] >= 0);
      CHECK(input[p] < kVocab);
      CHECK((input[p] == MASK || !is_special_id(input[p])));
    }
    CHECK(row_selected == std::max<int64_t>(1, std::llround(0.15 * static_cast<double>(n))));
    selected += row_selected;
  }
  REQUIRE(selected > 2000);
  const auto share = [&](int64_t count) { return static_cast<double>(count) / selected; };
  // Bounds of about 4 standard deviations of a proportion over > 2000 draws.
  CHECK(std::abs(share(shown_as_mask) - 0.8) < 0.035);
  CHECK(std::abs(share(replaced) - 0.1) < 0.027);
  CHECK(std::abs(share(kept) - 0.1) < 0.027);
}

TEST_CASE("every ordinary position is selected equally often and special ones never") {
  // One row: [CLS] 20 ordinary ids [SEP] [PAD] [PAD]; 3 of 20 are selected each time.
  Ids row{CLS};
  for (int64_t k = 0; k < 20; ++k) row.push_back(100 + k);
  for (int64_t special : {SEP, PAD, PAD}) row.push_back(special);
  const Tensor ids = from_vector(row, {1, static_cast<int64_t>(row.size())});
  std::vector<int64_t> times(row.size(), 0);
  Generator gen(3);
  const int draws = 2000;
  for (int d = 0; d < draws; ++d) {
    const Ids labels = mask_tokens(ids, kVocab, gen).labels.to_vector<int64_t>();
    for (size_t p = 0; p < row.size(); ++p) times[p] += labels[p] != kIgnoreLabel;
  }
  for (size_t p = 0; p < row.size(); ++p) {
    INFO(p);
    if (is_special_id(row[p]))
      CHECK(times[p] == 0);
    else
      CHECK(std::abs(static_cast<double>(times[p]) / draws - 0.15) < 0.035);
  }
}

TEST_CASE("a row with one ordinary token still predicts it, a row with none predicts nothing") {
  const Tensor ids = from_vector(Ids{CLS, 42, SEP, PAD, CLS, SEP, PAD, PAD}, {2, 4});
  Generator gen(0);
  const Ids labels = mask_tokens(ids, kVocab, gen).labels.to_vector<int64_t>();
  const int64_t I = kIgnoreLabel;
  CHECK(labels == Ids{I, 42, I, I, I, I, I, I});
}

TEST_CASE("masking is a function of the generator state, whatever the thread count") {
  const Tensor ids = packed_rows(8, 64, 2);
  const int threads = num_threads();
  set_num_threads(1);
  Generator one(5);
  const MaskedTokens a = mask_tokens(ids, kVocab, one);
  set_num_threads(2);
  Generator two(5);
  const MaskedTokens b = mask_tokens(ids, kVocab, two);
  set_num_threads(threads);
  CHECK(a.ids.to_vector<int64_t>() == b.ids.to_vector<int64_t>());
  CHECK(a.labels.to_vector<int64_t>() == b.labels.to_vector<int64_t>());
  CHECK(one.state().counter == 2 * 8 * 64);  // two draws per position
  // The next call, and another seed, mask differently.
  CHECK(mask_tokens(ids, kVocab, one).labels.to_vector<int64_t>() != a.labels.to_vector<int64_t>());
  Generator other(6);
  CHECK(mask_tokens(ids, kVocab, other).labels.to_vector<int64_t>() !=
        a.labels.to_vector<int64_t>());
}

TEST_CASE("masking errors name the problem") {
  Generator gen(0);
  CHECK(error_message([&] {
          mask_tokens(from_vector(Ids{1, 7, 2}, {1, 3}), 5, gen);
        }) == "mask_tokens: a vocabulary of 5 has no token beside the 5 special ones");
  CHECK(error_message([&] {
          mask_tokens(from_vector(Ids{1, 70, 2}, {1, 3}), 50, gen);
        }) == "mask_tokens: id 70 at [0, 1] is outside the vocabulary of 50");
  CHECK(error_message([&] {
          mask_tokens(from_vector(Ids{1, 7, 2}), 50, gen);
        }).starts_with("mask_tokens: ids must be i64 [batch, length]"));
}
