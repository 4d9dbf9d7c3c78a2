#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "support/error_message.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/skipgram.h"

using namespace sg;
using models::SkipGram;

namespace {

std::vector<std::span<const float>> const_rows(const std::vector<std::vector<float>>& rows) {
  return {rows.begin(), rows.end()};
}

double cosine(const Tensor& vectors, int64_t a, int64_t b) {
  const int64_t d = vectors.shape()[1];
  const float* x = vectors.data<float>() + a * d;
  const float* y = vectors.data<float>() + b * d;
  double xy = 0, xx = 0, yy = 0;
  for (int64_t i = 0; i < d; ++i) {
    xy += x[i] * y[i];
    xx += x[i] * x[i];
    yy += y[i] * y[i];
  }
  return xy / std::sqrt(xx * yy);
}

// Sentences of two topics: ids 2..9 only ever appear with each other, and so do 10..17 (0 and 1
// are special tokens, left out).
std::vector<std::vector<int64_t>> two_topic_sentences(int64_t count) {
  Generator gen(3);
  std::vector<std::vector<int64_t>> sentences;
  for (int64_t s = 0; s < count; ++s) {
    const int64_t first = s % 2 == 0 ? 2 : 10;
    std::vector<int64_t> ids{0};
    for (int w = 0; w < 12; ++w) ids.push_back(first + static_cast<int64_t>(gen.uniform() * 8));
    sentences.push_back(ids);
  }
  return sentences;
}

SkipGram train_two_topics(uint64_t seed) {
  const auto sentences = two_topic_sentences(400);
  std::vector<int64_t> counts(18, 0);
  for (const auto& s : sentences)
    for (const int64_t id : s) ++counts[id];
  SkipGram model(counts,
                 {.dim = 16, .window = 3, .negatives = 4, .subsample = 1.0, .first_word = 2}, seed);
  for (size_t i = 0; i < sentences.size(); ++i)
    model.learn(sentences[i], static_cast<double>(i) / static_cast<double>(sentences.size()));
  return model;
}

}  // namespace

TEST_CASE("a skip-gram step is one gradient step of its loss (finite differences)") {
  Generator gen(1);
  const int64_t dim = 5;
  const auto random_row = [&] {
    std::vector<float> row(dim);
    for (float& x : row) x = gen.normal() * 0.5f;
    return row;
  };
  std::vector<float> centre = random_row();
  std::vector<std::vector<float>> targets{random_row(), random_row(), random_row()};
  const float lr = 0.1f;
  // Central differences of the loss with respect to every value, in double precision.
  const auto numeric_gradient = [&](std::vector<float>& values) {
    std::vector<double> gradient;
    for (float& x : values) {
      const float kept = x, h = 1e-3f;
      x = kept + h;
      const double up = models::skipgram_loss(centre, const_rows(targets));
      x = kept - h;
      const double down = models::skipgram_loss(centre, const_rows(targets));
      x = kept;
      gradient.push_back((up - down) / (2.0 * h));
    }
    return gradient;
  };
  std::vector<std::vector<double>> expected{numeric_gradient(centre)};
  for (auto& t : targets) expected.push_back(numeric_gradient(t));
  std::vector<std::vector<float>> before{centre};
  before.insert(before.end(), targets.begin(), targets.end());

  std::vector<std::span<float>> target_spans(targets.begin(), targets.end());
  models::skipgram_step(centre, target_spans, lr);
  std::vector<std::vector<float>> after{centre};
  after.insert(after.end(), targets.begin(), targets.end());
  for (size_t r = 0; r < after.size(); ++r)
    for (int64_t i = 0; i < dim; ++i) {
      INFO("row ", r, " value ", i);
      CHECK((after[r][i] - before[r][i]) / lr == doctest::Approx(-expected[r][i]).epsilon(1e-3));
    }
}

TEST_CASE("skip-gram vectors of words that share contexts end up alike, others not") {
  const Tensor vectors = train_two_topics(5).vectors();
  double within = 0, across = 0;
  int64_t pairs_within = 0, pairs_across = 0;
  for (int64_t a = 2; a < 18; ++a)
    for (int64_t b = a + 1; b < 18; ++b) {
      const bool same = (a < 10) == (b < 10);
      (same ? within : across) += cosine(vectors, a, b);
      ++(same ? pairs_within : pairs_across);
    }
  within /= static_cast<double>(pairs_within);
  across /= static_cast<double>(pairs_across);
  INFO("mean cosine within topics ", within, ", across ", across);
  CHECK(within > 0.9);
  CHECK(within - across > 0.5);
}

TEST_CASE("skip-gram training is a function of the seed") {
  const auto first = train_two_topics(5).vectors().to_vector<float>();
  CHECK(train_two_topics(5).vectors().to_vector<float>() == first);
  CHECK(train_two_topics(6).vectors().to_vector<float>() != first);
}

TEST_CASE("skip-gram refuses ids outside its vocabulary and counts without words") {
  SkipGram model({0, 0, 5, 5}, {.dim = 4, .first_word = 2}, 1);
  const std::vector<int64_t> bad{2, 3, 4};
  CHECK(testing::error_message([&] { model.learn(bad, 0.0); }) ==
        "SkipGram: id 4 outside the vocabulary of 4");
  const auto only_special_tokens = [] {
    const SkipGram none({3, 3, 0, 0}, {.dim = 4, .first_word = 2}, 1);
  };
  CHECK(testing::error_message(only_special_tokens) ==
        "SkipGram: the counts hold no word at or above id 2");
}

TEST_CASE("skip-gram refuses a first_word outside the vocabulary and negative counts") {
  // Both used to corrupt the heap: counts[-1] and keep_[-1], or an empty noise table read at 0.
  const auto build = [](std::vector<int64_t> counts, int64_t first_word) {
    return testing::error_message([&] {
      const SkipGram model(counts, {.dim = 4, .subsample = 1.0, .first_word = first_word}, 1);
    });
  };
  CHECK(build({5, 3, 2}, -1) == "SkipGram: first_word -1 is outside the vocabulary of 3");
  CHECK(build({5, 3, 2}, 3) == "SkipGram: first_word 3 is outside the vocabulary of 3");
  CHECK(build({5, -3, 2}, 0) == "SkipGram: id 1 has the negative count -3");
  CHECK(build({-5, 3, 2}, 1) == "SkipGram: id 0 has the negative count -5");
}
