#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/encoder_classifier.h"
#include "synthgrad/models/surprisal_features.h"

using namespace sg;
using sg::testing::error_message;

namespace {

constexpr int64_t kBatch = 3, kLength = 5, kDim = 4, kVocab = 9;

// Ids 0-4 are special tokens (weight 0); 5-8 words, 7 unseen in pre-training (weight 1).
const std::vector<float> kTokenWeights{0, 0, 0, 0, 0, 0.3f, 0.05f, 1.0f, 0.6f};
// Example 0 ends in [SEP] (2); example 1 holds [UNK] (3) and one padding position; example 2 has
// no word at all.
const std::vector<int64_t> kIds{1, 5, 6, 7, 2, 1, 8, 3, 5, 0, 1, 2, 0, 0, 0};
const std::vector<uint8_t> kPadding{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1};

struct Inputs {
  Tensor hidden, embedding, ids, padding, weights;
};

Inputs inputs(uint64_t seed) {
  Generator gen(seed);
  return {randn({kBatch, kLength, kDim}, gen), randn({kVocab, kDim}, gen),
          from_vector(kIds, {kBatch, kLength}), from_vector(kPadding, {kBatch, kLength}),
          from_vector(kTokenWeights)};
}

// The five features of example b, in doubles, straight from their definitions.
std::vector<double> expected_features(const Inputs& in, int64_t b) {
  const auto h = in.hidden.to_vector<float>(), e = in.embedding.to_vector<float>();
  double total = 0, total_unigram = 0, largest = 0, worst = -INFINITY;
  int64_t count = 0;
  for (int64_t t = 0; t + 1 < kLength; ++t) {
    const int64_t target = kIds[static_cast<size_t>(b * kLength + t + 1)];
    const double w = kTokenWeights[static_cast<size_t>(target)];
    if (kPadding[static_cast<size_t>(b * kLength + t + 1)] != 0 || w == 0) continue;
    std::vector<double> logits(kVocab, 0.0);
    for (int64_t v = 0; v < kVocab; ++v)
      for (int64_t d = 0; d < kDim; ++d)
        logits[static_cast<size_t>(v)] += static_cast<double>(h[(b * kLength + t) * kDim + d]) *
                                          e[static_cast<size_t>(v * kDim + d)];
    const double top = *std::max_element(logits.begin(), logits.end());
    double norm = 0;
    for (double l : logits) norm += std::exp(l - top);
    const double surprisal = top + std::log(norm) - logits[static_cast<size_t>(target)];
    const double kept = std::min(w, 1.0 - 1e-6);
    const double unigram = std::log(kept / (1.0 - kept));
    total += surprisal;
    total_unigram += unigram;
    largest = std::max(largest, surprisal);
    worst = std::max(worst, surprisal - unigram);
    ++count;
  }
  if (count == 0) return {0, 0, 0, 0, 0};
  const auto n = static_cast<double>(count);
  return {total / n, largest, total_unigram / n, worst, std::log(n)};
}

}  // namespace

TEST_CASE("surprisal_features: mean and largest surprisal, unigram, worst transition, length") {
  const Inputs in = inputs(3);
  const Tensor got = models::surprisal_features(in.hidden, nn::ClusteredSoftmax{in.embedding},
                                                in.ids, in.padding, in.weights)
                         .data();
  REQUIRE(got.shape() == Shape{kBatch, models::kSurprisalFeatures});
  for (int64_t b = 0; b < kBatch; ++b) {
    INFO("example " << b);
    const std::vector<double> want = expected_features(in, b);
    for (int64_t f = 0; f < models::kSurprisalFeatures; ++f)
      CHECK(got.at<float>({b, f}) == doctest::Approx(want[static_cast<size_t>(f)]).epsilon(1e-5));
  }
  // Example 0 counts three words (not its [SEP]), example 1 two (not [UNK], not the padding).
  CHECK(got.at<float>({0, 4}) == doctest::Approx(std::log(3.0)));
  CHECK(got.at<float>({1, 4}) == doctest::Approx(std::log(2.0)));
  CHECK(got.select(0, 2).to_vector<float>() == std::vector<float>(5, 0.0f));
}

TEST_CASE("surprisal_features: a batch without a counted token gives zeros") {
  const Inputs in = inputs(7);
  const Tensor specials = from_vector(std::vector<int64_t>{1, 2, 0, 0, 0, 1, 3, 2, 0, 0}, {2, 5});
  const Tensor got =
      models::surprisal_features(in.hidden.narrow(0, 0, 2), nn::ClusteredSoftmax{in.embedding},
                                 specials, {}, in.weights)
          .data();
  CHECK(got.to_vector<float>() == std::vector<float>(10, 0.0f));
}

TEST_CASE("surprisal_features: only the states before a counted token matter") {
  const Inputs in = inputs(4);
  const Tensor before = models::surprisal_features(in.hidden, nn::ClusteredSoftmax{in.embedding},
                                                   in.ids, in.padding, in.weights)
                            .data();
  // Position 3 of example 1 predicts padding, and its last position predicts nothing.
  Tensor hidden = in.hidden.clone();
  for (int64_t d = 0; d < kDim; ++d) {
    hidden.at<float>({1, 3, d}) += 5.0f;
    hidden.at<float>({1, 4, d}) -= 5.0f;
  }
  const Tensor after = models::surprisal_features(hidden, nn::ClusteredSoftmax{in.embedding},
                                                  in.ids, in.padding, in.weights)
                           .data();
  CHECK(after.to_vector<float>() == before.to_vector<float>());
  hidden.at<float>({1, 0, 0}) += 1.0f;  // predicts word 8
  CHECK(models::surprisal_features(hidden, nn::ClusteredSoftmax{in.embedding}, in.ids, in.padding,
                                   in.weights)
            .data()
            .select(0, 1)
            .to_vector<float>() != before.select(0, 1).to_vector<float>());
}

TEST_CASE("gradcheck: surprisal_features over hidden states and the output embedding") {
  const Inputs in = inputs(5);
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Variable>& v) {
        return models::surprisal_features(v[0], nn::ClusteredSoftmax{v[1]}, in.ids, in.padding,
                                          in.weights);
      },
      {in.hidden, in.embedding});
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("surprisal_features through a clustered softmax: its surprisals, its gradient") {
  const Inputs in = inputs(7);
  Generator gen(8);
  const Tensor clusters = randn({2, kDim}, gen);
  // Words 5-6 in the head, 7 and 8 each a cluster of its own.
  const auto clustered = [](const Variable& embedding, const Variable& cluster_vectors) {
    return nn::ClusteredSoftmax{
        .embedding = embedding, .cutoffs = {7, 8}, .cluster_vectors = cluster_vectors};
  };
  // The mean surprisal of example 0 (words 5, 6 and 7 after [CLS]) from the whole distribution.
  const Tensor got = models::surprisal_features(in.hidden, clustered(in.embedding, clusters),
                                                in.ids, in.padding, in.weights)
                         .data();
  const Tensor log_probs =
      nn::token_log_probabilities(clustered(in.embedding, clusters),
                                  reshape(Variable(in.hidden), {kBatch * kLength, kDim}))
          .data();
  const double want =
      -(log_probs.at<float>({0, 5}) + log_probs.at<float>({1, 6}) + log_probs.at<float>({2, 7})) /
      3.0;
  CHECK(got.at<float>({0, 0}) == doctest::Approx(want).epsilon(1e-5));
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Variable>& v) {
        return models::surprisal_features(v[0], clustered(v[1], v[2]), in.ids, in.padding,
                                          in.weights);
      },
      {in.hidden, in.embedding, clusters});
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("surprisal_features: wrong shapes or no token weights are refused by name") {
  const Inputs in = inputs(6);
  CHECK(error_message([&] {
          models::surprisal_features(in.hidden, nn::ClusteredSoftmax{in.embedding}, in.ids,
                                     in.padding, {});
        }) ==
        "surprisal_features: token weights must be f32 [9] (pretrain --token-weights), got "
        "undefined");
  CHECK(error_message([&] {
          models::surprisal_features(in.hidden, nn::ClusteredSoftmax{in.embedding},
                                     in.ids.narrow(1, 0, 4), {}, in.weights);
        }).starts_with("surprisal_features: need hidden [B, L >= 2, d], ids [B, L]"));
  CHECK(error_message([&] {
          models::surprisal_features(in.hidden, nn::ClusteredSoftmax{in.embedding}, in.ids,
                                     in.padding.narrow(1, 0, 4), in.weights);
        }).starts_with("surprisal_features: the padding mask must be b8 [3, 5]"));
}

TEST_CASE("a classifier with --pooling surprisal reads the causal trunk's mean and surprisals") {
  models::ModelConfig config{.vocab_size = kVocab,
                             .dim = 8,
                             .heads = 2,
                             .layers = 1,
                             .max_length = kLength,
                             .dropout = 0.0f,
                             .attention_dropout = 0.0f,
                             .pooling = "surprisal",
                             .token_weights = true,
                             .verbose = false};
  models::EncoderClassifier model(config);
  copy_into(model.trunk->token_weights, from_vector(kTokenWeights));
  // Fresh, the features go to the head as they are; glue sets a shift and scale per feature.
  CHECK(model.surprisal_shift.to_vector<float>() == std::vector<float>(5, 0.0f));
  CHECK(model.surprisal_scale.to_vector<float>() == std::vector<float>(5, 1.0f));
  const std::vector<float> shift{2, 3, -1, 4, 1}, scale{0.5f, 2, 1, 0.25f, 3};
  copy_into(model.surprisal_shift, from_vector(shift));
  copy_into(model.surprisal_scale, from_vector(scale));
  const Tensor ids = from_vector(kIds, {kBatch, kLength});
  const Tensor padding = from_vector(kPadding, {kBatch, kLength});
  NoGradGuard no_grad;
  const Variable hidden = model.trunk->forward(ids, {}, {.padding = padding, .causal = true});
  std::vector<float> weights(kIds.size());
  for (size_t p = 0; p < kIds.size(); ++p) weights[p] = kTokenWeights[static_cast<size_t>(kIds[p])];
  const Tensor raw = models::surprisal_features(hidden, model.trunk->tied_output(), ids, padding,
                                                model.trunk->token_weights)
                         .data();
  CHECK(model.raw_surprisal_features(ids, padding).to_vector<float>() == raw.to_vector<float>());
  std::vector<float> standardized = raw.to_vector<float>();
  for (size_t i = 0; i < standardized.size(); ++i)
    standardized[i] = (standardized[i] - shift[i % 5]) * scale[i % 5];
  const Variable pooled =
      concat({models::mean_over_tokens(hidden, padding, from_vector(weights, {kBatch, kLength})),
              Variable(from_vector(standardized, {kBatch, 5}))},
             1);
  CHECK(pooled.shape() == Shape{kBatch, config.pooled_features()});
  const std::vector<float> got = model.forward(ids, padding).data().to_vector<float>(),
                           want = model.head->forward(pooled).data().to_vector<float>();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-6));

  config.token_weights = false;
  CHECK(error_message([&] {
          models::EncoderClassifier{config};
        }).starts_with("model config: pooling 'surprisal' needs the trunk's token weights"));
}
