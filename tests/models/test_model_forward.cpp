// The trunk, EncoderClassifier and CausalLM against the formulas in double precision
// (models/model_reference.h), with several layers and every parameter moved off its default.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "models/model_reference.h"
#include "models/random_ids.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/causal_lm.h"
#include "synthgrad/models/encoder_classifier.h"

using namespace sg;
using models::ModelConfig;
using testing::DropoutReplay;

namespace {

constexpr float kDropout = 0.2f;
constexpr int64_t kBatch = 2, kLength = 6;

// vocab_size == dim, so that a tied head multiplying by E instead of E^T still runs and is caught
// by its values rather than by a shape error.
ModelConfig formula_config(const std::string& attention) {
  return {.vocab_size = 16,
          .dim = 16,
          .heads = 2,
          .layers = 3,
          .max_length = 8,
          .ffn_hidden = 24,
          .attention = attention,
          .dropout = kDropout,
          .attention_dropout = 0.0f,
          .num_classes = 3,
          .seed = 5,
          .verbose = false};
}

// A batch in both forms: tensors for the model, vectors for the reference. The second sequence
// ends in two padding positions; segment ids switch from 0 to 1 halfway.
struct Example {
  testing::TokenBatch input;
  Tensor ids, segments, padding;
};

Example make_example(const ModelConfig& config, bool padded, uint64_t seed) {
  Generator gen(seed);
  Example e;
  e.ids = testing::random_ids({kBatch, kLength}, config.vocab_size, gen);
  e.input.batch = kBatch;
  e.input.length = kLength;
  e.input.ids = e.ids.to_vector<int64_t>();
  if (config.segments > 0) {
    for (int64_t i = 0; i < kBatch * kLength; ++i)
      e.input.segments.push_back(i % kLength < kLength / 2 ? 0 : 1);
    e.segments = from_vector(e.input.segments, {kBatch, kLength});
  }
  if (padded) {
    std::vector<uint8_t> pad(kBatch * kLength, 0);
    pad[kBatch * kLength - 1] = pad[kBatch * kLength - 2] = 1;
    e.input.padding.assign(pad.begin(), pad.end());
    e.padding = from_vector(pad, {kBatch, kLength});
  }
  return e;
}

}  // namespace

TEST_CASE(
    "the trunk sums token, position and segment embeddings, runs its blocks, then LayerNorm") {
  for (const bool learned : {true, false}) {
    INFO("learned positions: ", learned);
    ModelConfig config = formula_config("R+V");
    config.learned_positions = learned;
    config.segments = 2;
    models::Trunk trunk(config);
    testing::perturb_parameters(trunk, 1);
    const Example e = make_example(config, true, 2);
    testing::check_against_reference(
        trunk, trunk.dropout_generator(), kDropout,
        [&] { return trunk.forward(e.ids, e.segments, {.padding = e.padding}).data(); },
        [&](const testing::Params& params, DropoutReplay* replay) {
          return testing::trunk(params, config, e.input, false, replay);
        });
  }
}

TEST_CASE(
    "the encoder classifier's head reads position 0, the tokens' mean, the segments' means or "
    "the hypothesis aligned to the premise") {
  for (const std::string pooling : {"cls", "mean", "pair", "align"}) {
    INFO("pooling: ", pooling);
    ModelConfig config = formula_config("D+V");
    config.segments = 2;
    config.pooling = pooling;
    models::EncoderClassifier model(config);
    testing::perturb_parameters(model, 3);
    const Example e = make_example(config, true, 4);
    testing::check_against_reference(
        model, model.trunk->dropout_generator(), kDropout,
        [&] { return model.forward(e.ids, e.padding, e.segments).data(); },
        [&](const testing::Params& params, DropoutReplay* replay) {
          return testing::classifier_logits(params, config, e.input, replay);
        });
  }
}

// The states of the first position and every parameter's gradient from a loss on them, in
// evaluation mode (dropout would draw different masks for the two shapes).
struct FirstPosition {
  std::vector<float> states;
  std::vector<std::vector<float>> grads;
};

FirstPosition first_position_of(models::Trunk& trunk, const Example& e, bool causal,
                                nn::OutputPositions read) {
  trunk.zero_grad();
  const Variable out =
      trunk.forward(e.ids, e.segments, {.padding = e.padding, .causal = causal}, nullptr, read);
  const Variable first = read == nn::OutputPositions::first ? out : narrow(out, 1, 0, 1);
  Generator gen(17);  // a loss that weighs every state differently
  sum(mul(first, Variable(randn(first.shape(), gen)))).backward();
  FirstPosition result{first.data().contiguous().to_vector<float>(), {}};
  for (const auto& [name, p] : trunk.named_parameters())
    result.grads.push_back(p.grad().defined() ? p.grad().to_vector<float>() : std::vector<float>{});
  return result;
}

void check_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5).scale(1.0));
}

TEST_CASE(
    "a trunk asked for the first position alone gives the full output's first position and the "
    "same gradients") {
  for (const std::string variant : {"V", "R", "D", "Rfix", "FR", "FD", "R+V", "D+V"})
    for (const bool causal : {false, true}) {
      INFO(variant, causal ? ", causal" : "");
      ModelConfig config = formula_config(variant);
      config.segments = 2;
      models::Trunk trunk(config);
      testing::perturb_parameters(trunk, 9);
      trunk.eval();
      const Example e = make_example(config, true, 10);
      const FirstPosition full = first_position_of(trunk, e, causal, nn::OutputPositions::all);
      const FirstPosition first = first_position_of(trunk, e, causal, nn::OutputPositions::first);
      check_close(first.states, full.states);
      REQUIRE(first.grads.size() == full.grads.size());
      for (size_t i = 0; i < full.grads.size(); ++i) check_close(first.grads[i], full.grads[i]);
    }
}

TEST_CASE("without blocks, the first position alone is the final norm's first position") {
  ModelConfig config = formula_config("V");
  config.layers = 0;
  models::Trunk trunk(config);
  testing::perturb_parameters(trunk, 11);
  trunk.eval();
  const Example e = make_example(config, false, 12);
  const Tensor first = trunk.forward(e.ids, {}, {}, nullptr, nn::OutputPositions::first).data();
  CHECK(first.shape() == Shape({kBatch, 1, config.dim}));
  check_close(first.contiguous().to_vector<float>(),
              narrow(trunk.forward(e.ids, {}, {}), 1, 0, 1).data().contiguous().to_vector<float>());
}

TEST_CASE("the causal LM's logits are hidden states times the token embedding transposed") {
  for (const bool tied : {true, false}) {
    INFO("tied: ", tied);
    ModelConfig config = formula_config("R+V");
    config.tie_embeddings = tied;
    models::CausalLM lm(config);
    testing::perturb_parameters(lm, 5);
    const Example e = make_example(config, false, 6);
    testing::check_against_reference(
        lm, lm.trunk->dropout_generator(), kDropout, [&] { return lm.forward(e.ids).data(); },
        [&](const testing::Params& params, DropoutReplay* replay) {
          return testing::lm_logits(params, config, e.input, replay);
        });
  }
}

TEST_CASE("CausalLM::loss is the mean cross-entropy of each token given the tokens before it") {
  const ModelConfig config = formula_config("V");
  models::CausalLM lm(config);
  testing::perturb_parameters(lm, 7);
  lm.eval();
  const Example e = make_example(config, false, 8);
  const double loss = lm.loss(e.ids).data().item<float>();
  NoGradGuard no_grad;
  // The logits of the whole sequence: causal, so positions 0..L-2 are those of ids[:, :-1].
  const double expected = testing::next_token_loss(testing::values_of(lm.forward(e.ids).data()),
                                                   e.input, config.vocab_size);
  CHECK(loss == doctest::Approx(expected).epsilon(1e-5));
}

TEST_CASE("greedy generation appends the argmax of the last position and slides past max_length") {
  const ModelConfig config = formula_config("R+V");
  models::CausalLM lm(config);
  // Larger weights than elsewhere: with small ones the greedy continuation settles on one repeated
  // token, which cannot tell a sliding window from a fixed one.
  testing::perturb_parameters(lm, 0, 0.6f);
  const std::vector<int64_t> prompt{3, 1, 4};
  const int64_t new_tokens = 2 * config.max_length;
  lm.train();  // generation must switch dropout off by itself
  const auto generated = lm.generate(prompt, {.new_tokens = new_tokens, .temperature = 0.0f});
  CHECK(lm.is_training());
  lm.eval();
  NoGradGuard no_grad;
  std::vector<int64_t> expected = prompt;
  for (int64_t step = 0; step < new_tokens; ++step) {
    const auto window_size = std::min<int64_t>(expected.size(), config.max_length);
    const std::vector<int64_t> window(expected.end() - window_size, expected.end());
    const Tensor logits = lm.forward(from_vector(window, {1, window_size})).data();
    const auto last = logits.select(0, 0).select(0, window_size - 1).to_vector<float>();
    expected.push_back(std::max_element(last.begin(), last.end()) - last.begin());
  }
  CHECK(generated == expected);
  // The window has slid by then; several distinct tokens show that its content matters.
  const std::set<int64_t> late(generated.begin() + config.max_length + 2, generated.end());
  CHECK(late.size() >= 3);
}
