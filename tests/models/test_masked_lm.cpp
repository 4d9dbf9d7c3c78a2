#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/data/mlm_masking.h"
#include "synthgrad/data/tokenizer.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/models/encoder_classifier.h"
#include "synthgrad/models/masked_lm.h"
#include "synthgrad/optim/optim.h"

using namespace sg;
using models::ModelConfig;
using sg::testing::error_message;

namespace {

using Ids = std::vector<int64_t>;

ModelConfig tiny_mlm(int64_t vocab = 12) {
  return {.vocab_size = vocab,
          .dim = 8,
          .heads = 2,
          .layers = 1,
          .max_length = 6,
          .dropout = 0.0f,
          .attention_dropout = 0.0f,
          .verbose = false};
}

// Gives every head parameter random values, so that no term of the formula hides behind 0 or 1.
void randomise_head(models::MlmHead& head, uint64_t seed) {
  Generator gen(seed);
  for (const auto& [name, parameter] : head.named_parameters())
    copy_into(parameter.data(), randn(parameter.shape(), gen, 0.0f, 0.5f));
}

// logits[p, v] = sum_j n[p, j] E[v, j] + c[v], n = LayerNorm(GELU(h W^T + b)), in plain loops.
std::vector<float> head_by_formula(const std::vector<float>& h, int64_t rows, int64_t d,
                                   const models::MlmHead& head, const Tensor& embedding) {
  const auto W = head.transform->weight.data().to_vector<float>(),
             b = head.transform->bias.data().to_vector<float>(),
             gamma = head.norm->weight.data().to_vector<float>(),
             beta = head.norm->bias.data().to_vector<float>(),
             c = head.output_bias.data().to_vector<float>(), E = embedding.to_vector<float>();
  const auto vocab = static_cast<int64_t>(c.size());
  std::vector<float> logits;
  for (int64_t p = 0; p < rows; ++p) {
    std::vector<double> t(d);
    for (int64_t i = 0; i < d; ++i) {
      double z = b[i];
      for (int64_t j = 0; j < d; ++j) z += h[p * d + j] * W[i * d + j];
      t[i] = 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0)));
    }
    double mean = 0, var = 0;
    for (double v : t) mean += v / d;
    for (double v : t) var += (v - mean) * (v - mean) / d;
    for (int64_t i = 0; i < d; ++i)
      t[i] = (t[i] - mean) / std::sqrt(var + 1e-5) * gamma[i] + beta[i];
    for (int64_t v = 0; v < vocab; ++v) {
      double z = c[v];
      for (int64_t j = 0; j < d; ++j) z += t[j] * E[v * d + j];
      logits.push_back(static_cast<float>(z));
    }
  }
  return logits;
}

Tensor random_ordinary_ids(const Shape& shape, int64_t vocab, Generator& gen) {
  Ids ids(static_cast<size_t>(numel_of(shape)));
  for (auto& id : ids)
    id = data::kNumSpecialTokens +
         static_cast<int64_t>(gen.uniform() * static_cast<float>(vocab - data::kNumSpecialTokens));
  return from_vector(ids, shape);
}

}  // namespace

TEST_CASE("masked LM logits match the head's formula on the trunk's hidden states") {
  models::MaskedLM model(tiny_mlm());
  randomise_head(*model.mlm_head, 1);
  Generator gen(2);
  const Tensor ids = random_ordinary_ids({2, 5}, 12, gen);
  NoGradGuard no_grad;
  const Tensor hidden = model.trunk->forward(ids, {}, {}).data();
  const Tensor logits = model.forward(ids).data();
  CHECK(logits.shape() == Shape{2, 5, 12});
  const std::vector<float> expected = head_by_formula(
      hidden.to_vector<float>(), 10, 8, *model.mlm_head, model.trunk->tokens->weight.data());
  const std::vector<float> actual = logits.to_vector<float>();
  for (size_t k = 0; k < expected.size(); ++k)
    CHECK(actual[k] == doctest::Approx(expected[k]).epsilon(1e-4));
}

TEST_CASE("the masked LM loss is the cross-entropy of the selected positions only") {
  models::MaskedLM model(tiny_mlm());
  randomise_head(*model.mlm_head, 3);
  Generator gen(4);
  const Tensor ids = random_ordinary_ids({2, 5}, 12, gen);
  const int64_t I = data::kIgnoreLabel;
  const Ids labels{I, 7, I, I, 9, 5, I, I, I, I};
  const models::MaskedLMLoss loss = model.loss(ids, from_vector(labels, {2, 5}));
  // The mean over labelled positions of logsumexp(logits) - logits[label], and their argmax.
  const std::vector<float> logits = model.forward(ids).data().to_vector<float>();
  double total = 0;
  int64_t correct = 0;
  for (size_t p = 0; p < labels.size(); ++p) {
    if (labels[p] == I) continue;
    const auto row = logits.begin() + static_cast<std::ptrdiff_t>(p * 12);
    double sum = 0;
    for (int64_t v = 0; v < 12; ++v) sum += std::exp(row[v]);
    total += std::log(sum) - row[labels[p]];
    correct += std::max_element(row, row + 12) - row == labels[p];
  }
  CHECK(loss.selected == 3);
  CHECK(loss.correct == correct);
  CHECK(loss.loss.item<float>() == doctest::Approx(total / 3).epsilon(1e-5));
  // Whatever the ids at unselected positions are labelled with, nothing changes while unselected;
  // selecting one more position does.
  Ids more = labels;
  more[0] = 3;
  CHECK(model.loss(ids, from_vector(more, {2, 5})).loss.item<float>() != loss.loss.item<float>());
}

TEST_CASE("the masked LM head's gradients match finite differences") {
  Generator init(0);
  models::MlmHead head(6, 9, init);
  randomise_head(head, 5);
  Generator gen(6);
  const std::vector<Tensor> inputs{randn({2, 3, 6}, gen),
                                   head.transform->weight.data().clone(),
                                   head.transform->bias.data().clone(),
                                   head.norm->weight.data().clone(),
                                   head.norm->bias.data().clone(),
                                   randn({9, 6}, gen),
                                   head.output_bias.data().clone()};
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Variable>& v) {
        head.transform->weight = v[1];
        head.transform->bias = v[2];
        head.norm->weight = v[3];
        head.norm->bias = v[4];
        head.output_bias = v[6];
        return head.forward(v[0], v[5]);
      },
      inputs);
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("a tiny masked LM learns to fill masked tokens of a counting corpus") {
  // Rows count upwards modulo 10 from a random start: every token follows from its neighbours.
  const int64_t vocab = data::kNumSpecialTokens + 10, length = 6;
  ModelConfig config = tiny_mlm(vocab);
  config.dim = 32;
  config.heads = 4;
  models::MaskedLM model(config);
  optim::Adam adam({{model.parameters()}}, {.lr = 1e-2f});
  Generator data_gen(1), mask_gen(2);
  const auto counting_rows = [&](int64_t rows) {
    Ids ids;
    for (int64_t r = 0; r < rows; ++r) {
      const auto start = static_cast<int64_t>(data_gen.uniform() * 10);
      for (int64_t p = 0; p < length; ++p)
        ids.push_back(data::kNumSpecialTokens + (start + p) % 10);
    }
    return from_vector(ids, {rows, length});
  };
  for (int step = 0; step < 800; ++step) {
    const data::MaskedTokens batch = data::mask_tokens(counting_rows(32), vocab, mask_gen);
    const models::MaskedLMLoss loss = model.loss(batch.ids, batch.labels);
    adam.zero_grad();
    loss.loss.backward();
    adam.step();
  }
  const data::MaskedTokens test = data::mask_tokens(counting_rows(64), vocab, mask_gen);
  const models::MaskedLMLoss result = model.loss(test.ids, test.labels);
  INFO(result.loss.item<float>());
  CHECK(result.selected >= 64);
  // Chance is 0.1. One seeded run, so the bar says "learnt the rule", not how fast; the formula
  // tests pin the arithmetic. Rounding changes move it: at 400 steps gcc's build reached 1.0,
  // clang's 0.8, and with the GELU derivative's shared exponential 0.63 (0.98 at 800 steps).
  CHECK(result.accuracy() > 0.7);
}

TEST_CASE("a masked LM checkpoint loads to the same model") {
  ModelConfig config = tiny_mlm();
  config.segments = 2;
  models::MaskedLM model(config);
  randomise_head(*model.mlm_head, 7);
  const std::string path =
      (std::filesystem::temp_directory_path() / "sg_test_masked_lm.safetensors").string();
  models::save_model(model, path);
  const auto loaded = models::load_masked_lm(path);
  std::filesystem::remove(path);
  CHECK(models::to_json(loaded->config()) == models::to_json(config));
  Generator gen(8);
  const Tensor ids = random_ordinary_ids({2, 5}, 12, gen);
  NoGradGuard no_grad;
  CHECK(loaded->forward(ids).data().to_vector<float>() ==
        model.forward(ids).data().to_vector<float>());
}

TEST_CASE("the masked LM's trunk has the encoder classifier's trunk parameter names") {
  for (int64_t segments : {0, 2}) {
    INFO(segments);
    ModelConfig config = tiny_mlm();
    config.segments = segments;
    const models::MaskedLM mlm(config);
    const models::EncoderClassifier classifier(config);
    std::vector<std::pair<std::string, Shape>> mlm_trunk, classifier_trunk;
    for (const auto& [name, p] : mlm.named_parameters())
      if (name.starts_with("trunk.")) mlm_trunk.emplace_back(name, p.shape());
    for (const auto& [name, p] : classifier.named_parameters())
      if (name.starts_with("trunk.")) classifier_trunk.emplace_back(name, p.shape());
    CHECK(mlm_trunk.size() > 10);
    CHECK(mlm_trunk == classifier_trunk);
    CHECK(mlm.parameter_count() > classifier.parameter_count());
  }
}

TEST_CASE("masked LM loss errors") {
  models::MaskedLM model(tiny_mlm());
  const Tensor ids = from_vector(Ids{5, 6, 7, 8}, {2, 2});
  const int64_t I = data::kIgnoreLabel;
  CHECK(error_message([&] {
          model.loss(ids, from_vector(Ids{I, I, I, I}, {2, 2}));
        }) == "MaskedLM::loss: no position of the [2, 2] labels is selected");
  CHECK(error_message([&] {
          model.loss(ids, from_vector(Ids{I, 5}, {1, 2}));
        }) == "MaskedLM::loss: labels must be i64 of the ids' shape [2, 2], got i64 [1, 2]");
  CHECK(error_message([&] {
          model.loss(ids, from_vector(Ids{I, 12, I, I}, {2, 2}));
        }) == "MaskedLM::loss: label 12 at flat position 1 is outside the vocabulary of 12");
}
