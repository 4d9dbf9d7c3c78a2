#include "synthgrad/models/skipgram.h"

#include <algorithm>
#include <cmath>

#include "synthgrad/core/creation.h"

namespace sg::models {

namespace {

// Noise words are drawn by picking an entry of this table, which holds each id in proportion to
// counts^0.75 (word2vec's choice: rare words a little more often than their share).
constexpr int64_t kNoiseTableSize = int64_t{1} << 22;

float logistic(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

// log s(x) without overflow for large |x|.
double log_logistic(double x) {
  return -(std::log1p(std::exp(-std::abs(x))) + std::max(-x, 0.0));
}

float dot(std::span<const float> a, std::span<const float> b) {
  float sum = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace

double skipgram_loss(std::span<const float> centre,
                     const std::vector<std::span<const float>>& targets) {
  double loss = 0.0;
  for (size_t k = 0; k < targets.size(); ++k) {
    const double score = dot(centre, targets[k]);
    loss -= log_logistic(k == 0 ? score : -score);
  }
  return loss;
}

void skipgram_step(std::span<float> centre, const std::vector<std::span<float>>& targets,
                   float lr) {
  // The centre's step is summed over the targets before it is applied, so every target's step
  // sees the centre as it was: one gradient step of the whole example.
  thread_local std::vector<float> centre_step;
  centre_step.assign(centre.size(), 0.0f);
  for (size_t k = 0; k < targets.size(); ++k) {
    const float label = k == 0 ? 1.0f : 0.0f;
    const float g = lr * (label - logistic(dot(centre, targets[k])));
    for (size_t i = 0; i < centre.size(); ++i) {
      centre_step[i] += g * targets[k][i];
      targets[k][i] += g * centre[i];
    }
  }
  for (size_t i = 0; i < centre.size(); ++i) centre[i] += centre_step[i];
}

SkipGram::SkipGram(const std::vector<int64_t>& counts, const SkipGramOptions& options,
                   uint64_t seed)
    : options_(options), gen_(seed) {
  SG_CHECK(options.dim > 0 && options.window > 0 && options.negatives >= 0 &&
               options.subsample > 0 && options.lr > 0,
           "SkipGram: dim {}, window {}, negatives {}, subsample {} and lr {} must be positive",
           options.dim, options.window, options.negatives, options.subsample, options.lr);
  const auto vocab = static_cast<int64_t>(counts.size());
  // The loops below index counts and keep_ from first_word on, and a negative count gives a NaN
  // noise mass, hence an empty noise table that draw_noise would read past.
  SG_CHECK(options.first_word >= 0 && options.first_word < vocab,
           "SkipGram: first_word {} is outside the vocabulary of {}", options.first_word, vocab);
  for (int64_t id = 0; id < vocab; ++id)
    SG_CHECK(counts[id] >= 0, "SkipGram: id {} has the negative count {}", id, counts[id]);
  int64_t total = 0;
  double noise_mass = 0.0;
  for (int64_t id = options.first_word; id < vocab; ++id) {
    total += counts[id];
    noise_mass += std::pow(static_cast<double>(counts[id]), 0.75);
  }
  SG_CHECK(total > 0, "SkipGram: the counts hold no word at or above id {}", options.first_word);
  keep_.assign(counts.size(), 0.0f);
  for (int64_t id = options.first_word; id < vocab; ++id) {
    const double frequency = static_cast<double>(counts[id]) / static_cast<double>(total);
    keep_[id] = frequency > 0
                    ? static_cast<float>(std::min(1.0, std::sqrt(options.subsample / frequency)))
                    : 0.0f;
  }
  noise_table_.reserve(kNoiseTableSize);
  double cumulative = 0.0;
  for (int64_t id = options.first_word; id < vocab; ++id) {
    cumulative += std::pow(static_cast<double>(counts[id]), 0.75) / noise_mass;
    const auto end = std::min<int64_t>(kNoiseTableSize, std::llround(cumulative * kNoiseTableSize));
    while (static_cast<int64_t>(noise_table_.size()) < end)
      noise_table_.push_back(static_cast<int32_t>(id));
  }
  input_.resize(static_cast<size_t>(vocab * options.dim));
  for (float& x : input_) x = (gen_.uniform() - 0.5f) / static_cast<float>(options.dim);
  output_.assign(input_.size(), 0.0f);
}

int64_t SkipGram::draw_noise() {
  const auto i = static_cast<size_t>(gen_.uniform() * static_cast<float>(noise_table_.size()));
  return noise_table_[std::min(i, noise_table_.size() - 1)];
}

void SkipGram::learn(std::span<const int64_t> ids, double progress) {
  const float lr = options_.lr * static_cast<float>(std::max(1e-4, 1.0 - progress));
  const auto vocab = static_cast<int64_t>(keep_.size());
  std::vector<int64_t> kept;
  for (const int64_t id : ids) {
    SG_CHECK(id >= 0 && id < vocab, "SkipGram: id {} outside the vocabulary of {}", id, vocab);
    if (id >= options_.first_word && gen_.uniform() < keep_[id]) kept.push_back(id);
  }
  const auto dim = static_cast<size_t>(options_.dim);
  const auto row = [dim](std::vector<float>& table, int64_t id) {
    return std::span<float>(table).subspan(static_cast<size_t>(id) * dim, dim);
  };
  std::vector<std::span<float>> targets;
  const auto n = static_cast<int64_t>(kept.size());
  for (int64_t i = 0; i < n; ++i) {
    const auto reach =
        1 + static_cast<int64_t>(gen_.uniform() * static_cast<float>(options_.window));
    for (int64_t j = std::max<int64_t>(0, i - reach); j <= std::min(n - 1, i + reach); ++j) {
      if (j == i) continue;
      targets.assign({row(output_, kept[j])});
      for (int64_t k = 0; k < options_.negatives; ++k)
        if (const int64_t noise = draw_noise(); noise != kept[j])
          targets.push_back(row(output_, noise));
      skipgram_step(row(input_, kept[i]), targets, lr);
    }
  }
}

Tensor SkipGram::vectors() const {
  return from_vector(input_, {static_cast<int64_t>(keep_.size()), options_.dim});
}

}  // namespace sg::models
