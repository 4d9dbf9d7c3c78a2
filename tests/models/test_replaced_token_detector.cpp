#include <doctest/doctest.h>

#include <cmath>

#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/data/mlm_masking.h"
#include "synthgrad/data/tokenizer.h"
#include "synthgrad/models/replaced_token_detector.h"
#include "synthgrad/optim/optim.h"

using namespace sg;
using models::ModelConfig;

namespace {

using Ids = std::vector<int64_t>;

ModelConfig tiny_detector(int64_t vocab) {
  return {.vocab_size = vocab,
          .dim = 32,
          .heads = 4,
          .layers = 1,
          .max_length = 6,
          .dropout = 0.0f,
          .attention_dropout = 0.0f,
          .verbose = false};
}

// Rows that count upwards modulo 10 from a random start: every token follows from its neighbours.
Tensor counting_rows(int64_t rows, int64_t length, Generator& gen) {
  Ids ids;
  for (int64_t r = 0; r < rows; ++r) {
    const auto start = static_cast<int64_t>(gen.uniform() * 10);
    for (int64_t p = 0; p < length; ++p) ids.push_back(data::kNumSpecialTokens + (start + p) % 10);
  }
  return from_vector(ids, {rows, length});
}

}  // namespace

TEST_CASE("samples follow each row's softmax and are a function of the draws' counters") {
  const int64_t rows = 20000;
  std::vector<float> logits;
  for (int64_t k = 0; k < rows; ++k)
    for (const double p : {0.1, 0.2, 0.3, 0.4}) logits.push_back(static_cast<float>(std::log(p)));
  const Tensor table = from_vector(logits, {rows, 4});
  Ids positions(static_cast<size_t>(rows));
  for (int64_t k = 0; k < rows; ++k) positions[k] = 3 * k;
  const Generator sampling(9);
  const Ids ids = models::sample_from_logits(table, positions, sampling, 100);
  std::vector<double> share(4, 0.0);
  for (const int64_t id : ids) share[id] += 1.0 / rows;
  for (int64_t v = 0; v < 4; ++v) CHECK(share[v] == doctest::Approx(0.1 * (v + 1)).epsilon(0.1));
  CHECK(models::sample_from_logits(table, positions, sampling, 100) == ids);
  CHECK(models::sample_from_logits(table, positions, sampling, 101) != ids);
  // A logit far above the rest is always drawn.
  const Tensor peaked = from_vector(std::vector<float>{0, 0, 40, 0}, {1, 4});
  for (uint64_t first = 0; first < 50; ++first)
    CHECK(models::sample_from_logits(peaked, {0}, sampling, first) == Ids{2});
  CHECK(testing::error_message([&] {
          models::sample_from_logits(peaked, {0, 1}, sampling, 0);
        }).find("logits must be f32 [2, V]") != std::string::npos);
}

TEST_CASE("the detector judges the generator's samples: replaced where a sample differs") {
  const int64_t vocab = data::kNumSpecialTokens + 10;
  models::ReplacedTokenDetector model(tiny_detector(vocab));
  Generator data_gen(1), mask_gen(2);
  const data::MaskedTokens batch =
      data::mask_tokens(counting_rows(8, 6, data_gen), vocab, mask_gen);
  const Generator sampling(3);
  const models::ReplacedTokenLoss out = model.loss(batch.ids, batch.labels, sampling, 40);
  CHECK(out.positions == 48);
  CHECK(out.generator.selected == 8);
  // The same draws give the same samples; replaced counts those that differ from the label.
  const Ids samples = models::sample_from_logits(out.generator.logits.data(),
                                                 out.generator.positions, sampling, 40);
  const Ids labels = batch.labels.to_vector<int64_t>();
  int64_t differ = 0;
  for (size_t k = 0; k < samples.size(); ++k)
    differ += samples[k] != labels[static_cast<size_t>(out.generator.positions[k])];
  CHECK(out.replaced == differ);
  // The trunk reads the original ids with the samples at the masked positions, and the detection
  // loss is its judgement of those.
  const Ids originals = batch.ids.to_vector<int64_t>(), judged = out.judged.to_vector<int64_t>();
  REQUIRE(judged.size() == originals.size());
  for (size_t p = 0; p < judged.size(); ++p)
    if (labels[p] == data::kIgnoreLabel) CHECK(judged[p] == originals[p]);
  Ids replaced(judged.size(), 0);
  for (size_t k = 0; k < samples.size(); ++k) {
    const auto p = static_cast<size_t>(out.generator.positions[k]);
    CHECK(judged[p] == samples[k]);
    replaced[p] = samples[k] != labels[p];
  }
  const Variable hidden = model.trunk->forward(out.judged, {}, {.padding = {}, .causal = false});
  const Variable logits = model.detection_head->forward(reshape(hidden, {48, 32}));
  CHECK(out.detection.item<float>() ==
        doctest::Approx(cross_entropy(logits, from_vector(replaced)).item<float>()));
  CHECK(differ > 0);  // an untrained generator rarely guesses right
  CHECK(std::isfinite(out.detection.item<float>()));
  // Both losses reach the shared token embedding and the trunk's block.
  (out.generator.loss + out.detection).backward();
  for (const auto& [name, parameter] : model.named_parameters()) {
    INFO(name);
    REQUIRE(parameter.grad().defined());
  }
}

TEST_CASE("a tiny detector learns to spot the tokens an untrained generator put in") {
  // Trained on the detection loss alone, the generator's own block and head stay as they started
  // (only the embedding it shares moves) and its samples are mostly wrong: a quarter of the
  // positions hold a replaced token, which breaks the counting rule.
  const int64_t vocab = data::kNumSpecialTokens + 10, length = 6;
  models::ReplacedTokenDetector model(tiny_detector(vocab));
  optim::Adam adam({{model.parameters()}}, {.lr = 1e-2f});
  Generator data_gen(1), mask_gen(2), sampling(3);
  const data::MaskingOptions masking{.select = 0.3};
  for (int step = 0; step < 1000; ++step) {
    const data::MaskedTokens batch =
        data::mask_tokens(counting_rows(32, length, data_gen), vocab, mask_gen, masking);
    const models::ReplacedTokenLoss loss =
        model.loss(batch.ids, batch.labels, sampling, sampling.reserve(32 * length));
    adam.zero_grad();
    loss.detection.backward();
    adam.step();
  }
  const data::MaskedTokens test =
      data::mask_tokens(counting_rows(64, length, data_gen), vocab, mask_gen, masking);
  const models::ReplacedTokenLoss result = model.loss(test.ids, test.labels, sampling, 0);
  const double replaced = static_cast<double>(result.replaced) / result.positions;
  const double accuracy = static_cast<double>(result.correct) / result.positions;
  INFO("replaced " << replaced << ", accuracy " << accuracy);
  CHECK(replaced > 0.2);
  // Saying "original" everywhere scores 1 - replaced: the detector makes under half its errors.
  CHECK(accuracy > 1.0 - replaced / 2.0);
}
