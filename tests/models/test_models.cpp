#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "models/random_ids.h"
#include "nn/transformer_reference.h"
#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/causal_lm.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/models/encoder_classifier.h"
#include "synthgrad/nn/checkpoint.h"
#include "synthgrad/optim/optim.h"

using namespace sg;
using models::ModelConfig;
using testing::random_ids;

namespace {

const std::vector<std::string> kVariants{"V", "D", "R", "Rfix", "FD", "FR", "R+V", "D+V", "R+D+V"};

ModelConfig tiny(const std::string& attention) {
  return {.vocab_size = 16,
          .dim = 16,
          .heads = 2,
          .layers = 1,
          .max_length = 8,
          .attention = attention,
          .dropout = 0.0f,
          .attention_dropout = 0.0f,
          .verbose = false};
}

// Every tensor of `loaded` equals the saved one of the same name, and every parameter of the saved
// model differs from a fresh construction with its config: so the check fails if loading copies
// nothing into the model it rebuilds from that config.
template <class Model>
void check_reloaded(const Model& saved, const Model& loaded) {
  const Model fresh(saved.config());
  const NamedTensorList want = nn::state_of(saved), got = nn::state_of(loaded),
                        initial = nn::state_of(fresh);
  REQUIRE(got.size() == want.size());
  REQUIRE(initial.size() == want.size());
  const auto parameters = saved.named_parameters();
  for (size_t i = 0; i < want.size(); ++i) {
    INFO(want[i].first);
    REQUIRE(got[i].first == want[i].first);
    CHECK(got[i].second.to_vector<float>() == want[i].second.to_vector<float>());
    if (i < parameters.size())  // parameters come first; buffers are not perturbed
      CHECK(initial[i].second.to_vector<float>() != want[i].second.to_vector<float>());
  }
}

// A pooling function of hidden states [2, 4, 3] against finite differences.
void check_pooling_gradient(const std::function<Variable(const Variable&)>& pool, uint64_t seed,
                            const Shape& shape = {2, 4, 3}) {
  Generator gen(seed);
  const GradcheckResult r =
      gradcheck([&](const std::vector<Variable>& v) { return pool(v[0]); }, {randn(shape, gen)});
  INFO(r.message);
  CHECK(r.ok);
}

}  // namespace

TEST_CASE("a tiny classifier with each attention variant overfits 32 examples to 100%") {
  Generator gen(0);
  const Tensor ids = random_ids({32, 8}, 16, gen);
  std::vector<int64_t> labels(32);
  for (auto& l : labels)
    l = gen.uniform() < 0.5f ? 0 : 1;  // random labels: only memorising fits them
  for (const auto& variant : kVariants) {
    INFO(variant);
    models::EncoderClassifier model(tiny(variant));
    optim::Adam adam({{model.parameters()}}, {.lr = 1e-2f});
    float accuracy = 0;
    for (int step = 0; step < 300 && accuracy < 1.0f; ++step) {
      Variable logits = model.forward(ids);
      Variable loss = cross_entropy(logits, from_vector(labels));
      adam.zero_grad();
      loss.backward();
      adam.step();
      const auto predicted = argmax(logits.data(), 1).to_vector<int64_t>();
      int correct = 0;
      for (size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i];
      accuracy = static_cast<float>(correct) / 32.0f;
    }
    CHECK(accuracy == 1.0f);
  }
}

TEST_CASE("the causal LM never looks ahead, whatever the attention variant") {
  for (const auto& variant : kVariants) {
    INFO(variant);
    models::CausalLM lm(tiny(variant));
    Generator gen(1);
    const Tensor ids = random_ids({2, 8}, 16, gen);
    Tensor changed = ids.clone();
    for (int64_t b = 0; b < 2; ++b)
      changed.at<int64_t>({b, 6}) = (ids.at<int64_t>({b, 6}) + 5) % 16;
    NoGradGuard no_grad;
    const Tensor a = lm.forward(ids).data(), c = lm.forward(changed).data();
    CHECK(a.narrow(1, 0, 6).to_vector<float>() == c.narrow(1, 0, 6).to_vector<float>());
    CHECK(a.narrow(1, 6, 2).to_vector<float>() != c.narrow(1, 6, 2).to_vector<float>());
  }
}

TEST_CASE("the classifier ignores tokens at padded positions") {
  for (const auto& variant : kVariants) {
    INFO(variant);
    models::EncoderClassifier model(tiny(variant));
    Generator gen(2);
    const Tensor ids = random_ids({2, 8}, 16, gen);
    Tensor changed = ids.clone();
    changed.at<int64_t>({1, 7}) = (ids.at<int64_t>({1, 7}) + 3) % 16;
    std::vector<uint8_t> pad(16, 0);
    pad[15] = 1;  // example 1, position 7
    const Tensor padding = from_vector(pad, {2, 8});
    NoGradGuard no_grad;
    CHECK(model.forward(ids, padding).data().to_vector<float>() ==
          model.forward(changed, padding).data().to_vector<float>());
    CHECK(model.forward(ids).data().to_vector<float>() !=
          model.forward(changed).data().to_vector<float>());
  }
}

TEST_CASE("generation is seeded, greedy at temperature 0, and slides past the context length") {
  models::CausalLM lm(tiny("R+V"));
  const std::vector<int64_t> prompt{1, 2, 3};
  const auto a =
      lm.generate(prompt, {.new_tokens = 20, .temperature = 1.0f, .top_k = 5, .seed = 4});
  const auto b =
      lm.generate(prompt, {.new_tokens = 20, .temperature = 1.0f, .top_k = 5, .seed = 4});
  const auto c =
      lm.generate(prompt, {.new_tokens = 20, .temperature = 1.0f, .top_k = 0, .seed = 5});
  CHECK(a == b);
  CHECK(a != c);
  REQUIRE(a.size() == 23);
  CHECK(std::vector<int64_t>(a.begin(), a.begin() + 3) == prompt);
  for (int64_t t : a) CHECK((t >= 0 && t < 16));
  // Greedy decoding picks the argmax of the last position, as does top-k with k = 1.
  const auto greedy = lm.generate(prompt, {.new_tokens = 1, .temperature = 0.0f});
  const auto top1 =
      lm.generate(prompt, {.new_tokens = 1, .temperature = 0.7f, .top_k = 1, .seed = 9});
  NoGradGuard no_grad;
  const Tensor logits = lm.forward(from_vector(prompt, {1, 3})).data();
  CHECK(greedy.back() == argmax(logits.select(1, 2), -1).item<int64_t>());
  CHECK(top1.back() == greedy.back());
  CHECK_THROWS_AS(lm.generate({}, {}), Error);
}

TEST_CASE("a model checkpoint stores its config and reloads every tensor by name") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "sg_model_test.safetensors").string();
  Generator gen(3);
  const Tensor ids = random_ids({2, 5}, 16, gen);
  NoGradGuard no_grad;
  SUBCASE("encoder classifier with segment embeddings") {
    ModelConfig config = tiny("D+V");
    config.segments = 2;
    config.num_classes = 3;
    config.seed = 11;
    models::EncoderClassifier model(config);
    testing::perturb_parameters(model, 12);
    models::save_model(model, path);
    const ModelConfig read = models::read_config(path);
    CHECK(read.attention == "D+V");
    CHECK(read.segments == 2);
    CHECK(read.num_classes == 3);
    auto loaded = models::load_encoder_classifier(path);
    check_reloaded(model, *loaded);
    CHECK(loaded->trunk->segment_embedding->weight.data().to_vector<float>() ==
          model.trunk->segment_embedding->weight.data().to_vector<float>());
    const Tensor segments = from_vector<int64_t>({0, 0, 1, 1, 1, 0, 1, 1, 1, 1}, {2, 5});
    CHECK(loaded->forward(ids, {}, segments).data().to_vector<float>() ==
          model.forward(ids, {}, segments).data().to_vector<float>());
  }
  SUBCASE("causal LM with an output layer") {
    ModelConfig config = tiny("R+V");
    config.tie_embeddings = false;
    models::CausalLM model(config);
    testing::perturb_parameters(model, 13);
    models::save_model(model, path);
    auto loaded = models::load_causal_lm(path);
    check_reloaded(model, *loaded);
    CHECK(loaded->forward(ids).data().to_vector<float>() ==
          model.forward(ids).data().to_vector<float>());
  }
  std::remove(path.c_str());
}

TEST_CASE("mean pooling's gradient matches finite differences, padding and all-padding rows too") {
  const Tensor padding =
      from_vector(std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, {3, 4});
  check_pooling_gradient([&](const Variable& h) { return models::mean_over_tokens(h, padding); }, 4,
                         {3, 4, 5});
  const Tensor pooled = models::mean_over_tokens(Variable(ones({3, 4, 5})), padding).data();
  CHECK(pooled.to_vector<float>() ==
        std::vector<float>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0});
}

TEST_CASE("sentence-pair features' gradient matches finite differences") {
  // Example 0: two tokens of each segment; example 1: segment 1 entirely padding.
  const Tensor padding = from_vector(std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 1, 1}, {2, 4});
  const Tensor segments = from_vector(std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1}, {2, 4});
  check_pooling_gradient(
      [&](const Variable& h) { return models::sentence_pair_features(h, padding, segments); }, 5);
  // Example 1's v is zeros, so its last two blocks are u^2 and 0.
  const Tensor hidden = full({2, 4, 3}, 2.0f);
  const auto features =
      models::sentence_pair_features(Variable(hidden), padding, segments).data().to_vector<float>();
  CHECK(std::vector<float>(features.begin() + 12, features.end()) ==
        std::vector<float>{2, 2, 2, 0, 0, 0, 4, 4, 4, 0, 0, 0});
}

TEST_CASE("aligned pair features: the premise summary, and padding left out") {
  // One premise position: every hypothesis position's summary is that position's state.
  const Tensor hidden = from_vector(std::vector<float>{1, 2, 9, 9, 3, 4, 5, 6}, {1, 4, 2});
  const Tensor one_premise = from_vector(std::vector<int64_t>{0, 1, 1, 1}, {1, 4});
  const Tensor last_padded = from_vector(std::vector<uint8_t>{0, 0, 0, 1}, {1, 4});
  const auto features =
      models::aligned_pair_features(Variable(hidden), last_padded, one_premise).data();
  REQUIRE(features.shape() == Shape{1, 12});
  // Hypothesis (9, 9) and (3, 4) against a = (1, 2): (h - a)^2 = (64, 49), (4, 4); h * a = (9,
  // 18), (3, 8); their means, with the padded (5, 6) left out.
  const auto values = features.to_vector<float>();
  CHECK(std::vector<float>(values.begin() + 8, values.end()) ==
        std::vector<float>{34, 26.5f, 6, 13});
  const auto pair =
      models::sentence_pair_features(Variable(hidden), last_padded, one_premise).data();
  CHECK(std::vector<float>(values.begin(), values.begin() + 8) == pair.to_vector<float>());
  CHECK_THROWS_WITH_AS(models::aligned_pair_features(Variable(hidden), {}, {}),
                       doctest::Contains("no segment ids"), Error);
}

TEST_CASE(
    "weighted means and the aligned features: positions count by their weight, and the gradient "
    "matches") {
  const Tensor padding = from_vector(std::vector<uint8_t>{0, 0, 0, 1, 0, 0, 0, 0}, {2, 4});
  const Tensor segments = from_vector(std::vector<int64_t>{0, 0, 1, 1, 0, 1, 1, 1}, {2, 4});
  const Tensor weights = from_vector(std::vector<float>{1, 3, 2, 5, 0.5f, 1, 0, 2}, {2, 4});
  check_pooling_gradient(
      [&](const Variable& h) {
        return concat({models::mean_over_tokens(h, padding, weights),
                       models::aligned_pair_features(h, padding, segments, weights)},
                      1);
      },
      6);
  // hidden[b, t, :] = t: example 0 averages t = 0, 1, 2 by 1, 3, 2 (t = 3 is padding) to 7/6;
  // example 1 averages t = 0, 1, 3 by 0.5, 1, 2 (t = 2 weighs 0) to 7/3.5 = 2.
  std::vector<float> positions;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 4; ++t) positions.insert(positions.end(), 3, static_cast<float>(t));
  const Variable hidden(from_vector(positions, {2, 4, 3}));
  const auto mean = models::mean_over_tokens(hidden, padding, weights).data().to_vector<float>();
  CHECK(mean[0] == doctest::Approx(7.0 / 6.0));
  CHECK(mean[3] == doctest::Approx(2.0));
  // Segment means: example 0, u over t = 0, 1 (weights 1, 3) = 0.75, v over t = 2 = 2;
  // example 1, u = 0, v over t = 1, 3 (weights 1, 2) = 7/3.
  const auto pair =
      models::sentence_pair_features(hidden, padding, segments, weights).data().to_vector<float>();
  CHECK(pair[0] == doctest::Approx(0.75));
  CHECK(pair[3] == doctest::Approx(2.0));
  CHECK(pair[12] == doctest::Approx(0.0));
  CHECK(pair[15] == doctest::Approx(7.0 / 3.0));
  CHECK_THROWS_WITH_AS(
      models::mean_over_tokens(hidden, padding, ones({2, 3})),
      "mean_over_tokens: position weights must be f32 [2, 4] for hidden [2, 4, 3], "
      "got f32 [2, 3]",
      Error);
  // A mask or segment ids of another length were read out of bounds.
  CHECK_THROWS_WITH_AS(models::mean_over_tokens(hidden, zeros({2, 2}, DType::b8)),
                       "mean_over_tokens: the padding mask must be b8 [2, 4] for hidden [2, 4, 3], "
                       "got b8 [2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(models::sentence_pair_features(hidden, padding, zeros({2, 9}, DType::i64)),
                       doctest::Contains("segment ids must be i64 [2, 4]"), Error);
  CHECK_THROWS_WITH_AS(models::mean_over_tokens(Variable(ones({2, 5})), {}),
                       "mean_over_tokens: hidden states must be [batch, length, dim], got [2, 5]",
                       Error);
}

TEST_CASE("a classifier with token weights pools by the weights of its ids") {
  for (const std::string pooling : {"mean", "pair"}) {
    CAPTURE(pooling);
    ModelConfig config = tiny("V");
    config.segments = 2;
    config.pooling = pooling;
    config.token_weights = true;
    models::EncoderClassifier model(config);
    REQUIRE(model.trunk->token_weights.shape() == Shape{16});
    CHECK(model.trunk->token_weights.to_vector<float>() == std::vector<float>(16, 1.0f));
    std::vector<float> table(16);
    for (size_t id = 0; id < table.size(); ++id) table[id] = 0.1f * static_cast<float>(id + 1);
    copy_into(model.trunk->token_weights, from_vector(table));
    const Tensor ids = from_vector(std::vector<int64_t>{3, 7, 2, 9, 1, 4}, {1, 6});
    const Tensor segments = from_vector(std::vector<int64_t>{0, 0, 0, 1, 1, 1}, {1, 6});
    const Variable hidden = model.trunk->forward(ids, segments, {.padding = {}, .causal = false});
    std::vector<float> by_id;
    for (const int64_t id : ids.to_vector<int64_t>()) by_id.push_back(table[id]);
    const Tensor weights = from_vector(by_id, {1, 6});
    const Variable pooled = pooling == "mean"
                                ? models::mean_over_tokens(hidden, {}, weights)
                                : models::sentence_pair_features(hidden, {}, segments, weights);
    const auto want = model.head->forward(pooled).data().to_vector<float>();
    const auto got = model.forward(ids, {}, segments).data().to_vector<float>();
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-6));
  }
}

TEST_CASE("configs round-trip through JSON and bad ones are rejected by name") {
  ModelConfig c = tiny("FR");
  c.random_rank = 3;
  c.learned_positions = false;
  c.pooling = "mean";
  const ModelConfig back = models::config_from_json(models::to_json(c));
  CHECK(models::to_json(back) == models::to_json(c));
  CHECK_THROWS_WITH_AS(models::config_from_json("{\"dim\": 4}"),
                       doctest::Contains("field 'vocab_size' is missing"), Error);
  // Checkpoints from before pooling was a choice read position 0.
  auto old_json = nlohmann::json::parse(models::to_json(c));
  old_json.erase("pooling");
  old_json.erase("token_weights");
  CHECK(models::config_from_json(old_json.dump()).pooling == "cls");
  CHECK_FALSE(models::config_from_json(old_json.dump()).token_weights);
  c.token_weights = true;
  CHECK(models::config_from_json(models::to_json(c)).token_weights);
  c.pooling = "max";
  CHECK_THROWS_WITH_AS(models::validate(c), doctest::Contains("pooling 'max'"), Error);
  c.pooling = "pair";
  c.segments = 0;
  CHECK_THROWS_WITH_AS(models::validate(c), doctest::Contains("'pair' needs the two segments"),
                       Error);
  // A third segment's tokens would be left out of the pair's features.
  c.segments = 3;
  CHECK_THROWS_WITH_AS(models::validate(c), doctest::Contains("(segments 3)"), Error);
  ModelConfig bad = tiny("V");
  bad.heads = 3;
  CHECK_THROWS_WITH_AS(models::EncoderClassifier{bad}, doctest::Contains("multiple of heads 3"),
                       Error);
}

TEST_CASE("tied output embeddings save a vocab x dim matrix, and bad ids are rejected") {
  ModelConfig c = tiny("V");
  models::CausalLM tied(c);
  c.tie_embeddings = false;
  models::CausalLM untied(c);
  CHECK(untied.parameter_count() - tied.parameter_count() == 16 * 16);
  CHECK_THROWS_WITH_AS(tied.forward(from_vector<int64_t>({1, 99}, {1, 2})),
                       doctest::Contains("token id 99 is outside the vocabulary of 16"), Error);
  CHECK_THROWS_WITH_AS(tied.forward(zeros({1, 9}, DType::i64)), doctest::Contains("exceeds"),
                       Error);
}

TEST_CASE("loss and generate check every id, those forward never sees included") {
  models::CausalLM lm(tiny("V"));  // vocabulary 16, max_length 8
  // The last column is only a target: -100 there was cross_entropy's ignore index, skipped.
  CHECK(sg::testing::error_message([&] {
          lm.loss(from_vector<int64_t>({1, 2, 3, -100}, {1, 4}));
        }) == "CausalLM::loss: token id -100 is outside the vocabulary of 16");
  CHECK_THROWS_WITH_AS(lm.loss(from_vector<int64_t>({1, 2, 3, 16}, {1, 4})),
                       doctest::Contains("token id 16 is outside"), Error);
  // A prompt longer than the context window: its first token never reaches forward.
  std::vector<int64_t> prompt(10, 1);
  prompt.front() = 99;
  CHECK_THROWS_WITH_AS(lm.generate(prompt, {.new_tokens = 1}),
                       doctest::Contains("CausalLM::generate: token id 99"), Error);
  CHECK_THROWS_WITH_AS(lm.generate({-5}, {.new_tokens = 0}), doctest::Contains("token id -5"),
                       Error);
}

TEST_CASE("generate leaves the model in training mode even when it fails") {
  models::CausalLM lm(tiny("V"));
  lm.train();
  CHECK_THROWS_AS(lm.generate({99}, {.new_tokens = 2}), Error);  // id outside the vocabulary
  CHECK(lm.is_training());
}

TEST_CASE("generate names new_tokens when it is negative") {
  models::CausalLM lm(tiny("V"));
  CHECK(sg::testing::error_message([&] { lm.generate({1}, {.new_tokens = -1}); }) ==
        "CausalLM::generate: temperature 1, top_k 0 and new_tokens -1 must not be negative");
  // A batch of no sequences scored a loss of 0.
  CHECK(sg::testing::error_message([&] {
          lm.loss(zeros({0, 4}, DType::i64));
        }) == "CausalLM::loss: need [batch >= 1, length >= 2] ids, got [0, 4]");
}

TEST_CASE("segment ids and the padding mask are checked by the trunk, naming the model") {
  const Tensor ids = from_vector<int64_t>({1, 2, 3, 4}, {1, 4});
  ModelConfig two_segments = tiny("V");
  two_segments.segments = 2;
  models::EncoderClassifier with_segments(two_segments);
  // The embedding's own message did not say the id was a segment id.
  CHECK(sg::testing::error_message([&] {
          with_segments.forward(ids, {}, from_vector<int64_t>({0, 0, 2, 2}, {1, 4}));
        }) == "EncoderClassifier: segment id 2 is outside the 2 segments");
  CHECK(sg::testing::error_message([&] {
          with_segments.forward(ids, {}, from_vector<int64_t>({0, -1, 1, 1}, {1, 4}));
        }) == "EncoderClassifier: segment id -1 is outside the 2 segments");
  // The trunk is public: 1-D ids gave "size: axis 1 is out of range".
  CHECK(sg::testing::error_message([&] {
          with_segments.trunk->forward(from_vector<int64_t>({1, 2}), {}, {});
        }) == "EncoderClassifier: token ids must be [batch, length], got i64 [2]");
  // Without segment embeddings, segment ids of any shape were accepted.
  models::EncoderClassifier without_segments(tiny("V"));
  CHECK(sg::testing::error_message([&] {
          without_segments.forward(ids, {}, zeros({7, 3}, DType::i64));
        }) ==
        "EncoderClassifier: segment ids must be i32/i64 of the token ids' shape [1, 4], got "
        "i64 [7, 3]");
  // With no layers no attention layer checked the mask.
  ModelConfig no_layers = tiny("V");
  no_layers.layers = 0;
  models::EncoderClassifier shallow(no_layers);
  CHECK(sg::testing::error_message([&] {
          shallow.forward(ids, zeros({9, 9}, DType::f32));
        }) == "EncoderClassifier: the padding mask must be b8 [1, 4], got f32 [9, 9]");
  CHECK(sg::testing::error_message([&] {
          shallow.forward(ids, zeros({1, 3}, DType::b8));
        }) == "EncoderClassifier: the padding mask must be b8 [1, 4], got b8 [1, 3]");
  CHECK_NOTHROW(shallow.forward(ids, zeros({1, 4}, DType::b8)));
}

TEST_CASE("segment ids given to a model without segment embeddings must be zero") {
  models::EncoderClassifier model(tiny("V"));
  const Tensor ids = from_vector<int64_t>({1, 2, 3}, {1, 3});
  CHECK_NOTHROW(model.forward(ids, {}, zeros({1, 3}, DType::i64)));
  CHECK_THROWS_WITH_AS(model.forward(ids, {}, ones({1, 3}, DType::i64)),
                       doctest::Contains("without segment embeddings"), Error);
}

namespace {

// The JSON of a valid config with one field replaced by `value` (raw JSON text).
std::string config_with(const std::string& field, const std::string& value) {
  nlohmann::json j = nlohmann::json::parse(models::to_json(tiny("R")));
  j[field] = nlohmann::json::parse(value);
  return j.dump();
}

// The message of reading that config.
std::string config_error(const std::string& field, const std::string& value) {
  return sg::testing::error_message([&] { models::config_from_json(config_with(field, value)); });
}

// (field, raw JSON value, the start of the error message after "model config: ").
using FieldCases = std::vector<std::tuple<std::string, std::string, std::string>>;

}  // namespace

TEST_CASE("config JSON of the wrong types is refused by field, not truncated or wrapped") {
  const FieldCases cases = {
      {"dim", "16.5", "field 'dim' has the wrong type: 16.5"},
      {"dim", "\"16\"", "field 'dim' has the wrong type: \"16\""},
      {"seed", "-1", "field 'seed' has the wrong type: -1"},
      {"learned_positions", "1", "field 'learned_positions' has the wrong type: 1"},
      {"attention", "[\"R\"]", "field 'attention' has the wrong type: [\"R\"]"},
      {"dropout", "true", "field 'dropout' has the wrong type: true"},
  };
  for (const auto& [field, value, expected] : cases) {
    const auto& field_value = field;  // clang 14 cannot capture a structured binding
    CAPTURE(field_value);
    const auto& value_value = value;  // clang 14 cannot capture a structured binding
    CAPTURE(value_value);
    CHECK(config_error(field, value) == "model config: " + expected);
  }
  CHECK(sg::testing::error_message([] { models::config_from_json("[1, 2]"); }) ==
        "model config: not a JSON object");
  // An integer is a float's value too.
  CHECK(models::config_from_json(config_with("dropout", "0")).dropout == 0.0f);
}

TEST_CASE("absurd config sizes are an error before any allocation") {
  const FieldCases cases = {
      {"dim", "1000000000000", "dim 1000000000000 is outside [0, 1048576]"},
      {"vocab_size", "9223372036854775807", "vocab_size 9223372036854775807 is outside [1, "},
      {"layers", "1000000", "layers 1000000 is outside [0, 4096]"},
      {"max_length", "-8", "max_length -8 is outside [0, 1048576]"},
      {"ffn_hidden", "4294967296", "ffn_hidden 4294967296 is outside [0, 1048576]"},
      {"factor_a", "4294967296", "factor_a 4294967296 is outside"},
      // Each size within its cap, but a Random Synthesizer of 2 heads x 2^20 x 2^20 weights.
      {"max_length", "1048576", "about 2.2e+12 parameters, over the limit of 4e+09"},
  };
  for (const auto& [field, value, expected] : cases) {
    const auto& field_value = field;  // clang 14 cannot capture a structured binding
    CAPTURE(field_value);
    const auto& value_value = value;  // clang 14 cannot capture a structured binding
    CAPTURE(value_value);
    CHECK(config_error(field, value).find("model config: " + expected) == 0);
  }
  // Rfix's fixed matrices are a buffer, no parameters, but take as much memory: 2 heads x 65536^2
  // floats (34 GB) were allocated. Only validated here, so that without the check nothing is.
  ModelConfig fixed = tiny("Rfix");
  fixed.max_length = 65536;
  CHECK(sg::testing::error_message([&] {
          models::validate(fixed);
        }).find("model config: about 8.59e+09 parameters, over the limit of 4e+09") == 0);
  // The pair and align heads read 4d and 6d pooled features, not d.
  ModelConfig wide = tiny("V");
  wide.dim = 1024;
  wide.segments = 2;
  wide.num_classes = 1'000'000;
  CHECK_NOTHROW(models::validate(wide));
  wide.pooling = "pair";
  CHECK(
      sg::testing::error_message([&] { models::validate(wide); }) ==
      "model config: about 4.11e+09 parameters, over the limit of 4e+09 (dim 1024, layers 1, "
      "vocab_size 16, max_length 8, heads 2, attention 'V', num_classes 1000000, pooling 'pair')");
  wide.pooling = "align";
  CHECK(sg::testing::error_message([&] {
          models::validate(wide);
        }).find("model config: about 6.16e+09 parameters, over the limit of 4e+09") == 0);
  // An untied output layer doubles the vocabulary's weights: 10^7 x 256 twice is over the limit.
  ModelConfig untied = tiny("V");
  untied.vocab_size = 10'000'000;
  untied.dim = 256;
  CHECK_NOTHROW(models::validate(untied));
  untied.tie_embeddings = false;
  CHECK(sg::testing::error_message([&] {
          models::validate(untied);
        }).find("model config: about 5.12e+09 parameters, over the limit of 4e+09") == 0);
  // A config built in code goes through the same checks.
  ModelConfig huge = tiny("V");
  huge.dim = 1'000'000'000'000;
  CHECK(sg::testing::error_message([&] { models::EncoderClassifier model(huge); }) ==
        "model config: dim 1000000000000 is outside [0, 1048576]");
}

TEST_CASE("a checkpoint whose stored config is absurd names the file") {
  std::string folder = (std::filesystem::temp_directory_path() / "sg_models_XXXXXX").string();
  REQUIRE(mkdtemp(folder.data()) != nullptr);
  const std::string path = folder + "/absurd.safetensors";
  save_safetensors(path, {{"trunk.tokens.weight", zeros({1})}, {"head.weight", zeros({1})}},
                   {{"config", config_with("dim", "1000000000000")}});
  CHECK(sg::testing::error_message([&] { models::load_encoder_classifier(path); }) ==
        "load model '" + path + "': model config: dim 1000000000000 is outside [0, 1048576]");
  std::filesystem::remove_all(folder);
}

TEST_CASE("a checkpoint loaded as another kind of model says what it is") {
  std::string folder = (std::filesystem::temp_directory_path() / "sg_models_XXXXXX").string();
  REQUIRE(mkdtemp(folder.data()) != nullptr);
  const std::string path = folder + "/model.safetensors";
  models::save_model(models::CausalLM(tiny("V")), path);
  // It used to end in a list of missing and unexpected tensors.
  CHECK(sg::testing::error_message([&] { models::load_encoder_classifier(path); }) ==
        "load model '" + path +
            "': expected model class EncoderClassifier, but the file is a CausalLM (lm train)");
  models::save_model(models::EncoderClassifier(tiny("V")), path);
  CHECK(sg::testing::error_message([&] { models::load_causal_lm(path); }) ==
        "load model '" + path +
            "': expected model class CausalLM, but the file is an EncoderClassifier (glue train)");
  CHECK(sg::testing::error_message([&] {
          models::load_masked_lm(path);
        }).find("expected model class MaskedLM, but the file is an EncoderClassifier") !=
        std::string::npos);
  // A run's last.safetensors holds the model under model.* beside the optimizer's state.
  save_safetensors(path,
                   {{"model.trunk.tokens.weight", zeros({1})}, {"optimizer.step", zeros({1})}});
  CHECK(sg::testing::error_message([&] {
          models::load_causal_lm(path);
        }).find("but the file is a training checkpoint (a run's last.safetensors") !=
        std::string::npos);
  std::filesystem::remove_all(folder);
}

TEST_CASE("a causal LM with segment embeddings reads every token as segment 0") {
  // pretrain builds its trunks with segments for the pair tasks that fine-tune them.
  ModelConfig config = tiny("V");
  config.segments = 2;
  models::CausalLM lm(config);
  Generator gen(4);
  const Tensor ids = random_ids({2, 8}, 16, gen);
  NoGradGuard no_grad;
  const Variable hidden =
      lm.trunk->forward(ids, zeros({2, 8}, DType::i64), {.padding = {}, .causal = true});
  const Tensor expected = matmul(hidden, transpose(lm.trunk->tokens->weight, 0, 1)).data();
  CHECK(lm.forward(ids).data().to_vector<float>() == expected.to_vector<float>());
  // Segment 1's embedding differs, so reading it would change the logits.
  const Variable other =
      lm.trunk->forward(ids, ones({2, 8}, DType::i64), {.padding = {}, .causal = true});
  CHECK(matmul(other, transpose(lm.trunk->tokens->weight, 0, 1)).data().to_vector<float>() !=
        expected.to_vector<float>());
}

TEST_CASE("CausalLM::scored_loss counts the next tokens its largest logit predicts") {
  models::CausalLM lm(tiny("R+V"));
  Generator gen(5);
  const Tensor ids = random_ids({3, 8}, 16, gen);
  NoGradGuard no_grad;
  const models::CausalLMLoss scored = lm.scored_loss(ids);
  const Tensor logits = lm.forward(ids.narrow(1, 0, 7).contiguous()).data();
  int64_t correct = 0;
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t t = 0; t < 7; ++t) {
      const auto row = logits.select(0, b).select(0, t).to_vector<float>();
      correct +=
          std::max_element(row.begin(), row.end()) - row.begin() == ids.at<int64_t>({b, t + 1});
    }
  CHECK(scored.predicted == 21);
  CHECK(scored.correct == correct);
  CHECK(scored.loss.item<float>() == lm.loss(ids).item<float>());
  // Predicting every next token right: the targets set to the argmaxes themselves.
  Tensor predictable = ids.clone();
  for (int64_t t = 1; t < 8; ++t) {
    const Tensor step = lm.forward(predictable.narrow(1, 0, t).contiguous()).data();
    for (int64_t b = 0; b < 3; ++b) {
      const auto row = step.select(0, b).select(0, t - 1).to_vector<float>();
      predictable.at<int64_t>({b, t}) = std::max_element(row.begin(), row.end()) - row.begin();
    }
  }
  CHECK(lm.scored_loss(predictable).correct == 21);
}

TEST_CASE("a causal LM with a clustered softmax: its loss is the whole distribution's, reloaded") {
  ModelConfig config = tiny("V");
  config.softmax_cutoffs = {5, 11};
  models::CausalLM lm(config);
  REQUIRE(lm.trunk->softmax_clusters.shape() == Shape{2, 16});
  Generator gen(6);
  const Tensor ids = random_ids({3, 8}, 16, gen);
  // forward gives log-probabilities: each row's probabilities sum to 1.
  const Tensor log_probs = lm.forward(ids).data();
  for (int64_t b = 0; b < 3; ++b) {
    double total = 0;
    for (float l : log_probs.select(0, b).select(0, 2).to_vector<float>()) total += std::exp(l);
    CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
  }
  // The training loss, which computes only the clusters of the next tokens, equals the
  // cross-entropy of the whole distribution, which scored_loss reads.
  const float loss = lm.loss(ids).item<float>();
  CHECK(loss == doctest::Approx(lm.scored_loss(ids).loss.item<float>()).epsilon(1e-6));
  const std::string path = "clustered_lm_test.safetensors";
  models::save_model(lm, path);
  const auto loaded = models::load_causal_lm(path);
  std::remove(path.c_str());
  CHECK(loaded->config().softmax_cutoffs == config.softmax_cutoffs);
  CHECK(loaded->loss(ids).item<float>() == loss);
}

TEST_CASE("softmax cutoffs round-trip through JSON, and bad ones are refused by name") {
  ModelConfig c = tiny("V");
  c.softmax_cutoffs = {4, 9};
  CHECK(models::config_from_json(models::to_json(c)).softmax_cutoffs == c.softmax_cutoffs);
  // Checkpoints from before the clustered softmax have one softmax.
  auto old_json = nlohmann::json::parse(models::to_json(c));
  old_json.erase("softmax_cutoffs");
  CHECK(models::config_from_json(old_json.dump()).softmax_cutoffs.empty());
  old_json["softmax_cutoffs"] = {4, 9.5};
  CHECK_THROWS_WITH_AS(models::config_from_json(old_json.dump()),
                       doctest::Contains("field 'softmax_cutoffs' has the wrong type"), Error);
  c.softmax_cutoffs = {9, 4};
  CHECK_THROWS_WITH_AS(
      models::validate(c),
      "model config: softmax cutoffs 9,4 must increase inside (0, 16) (the vocabulary's size)",
      Error);
  c.softmax_cutoffs = {4, 16};
  CHECK_THROWS_WITH_AS(models::validate(c), doctest::Contains("softmax cutoffs 4,16"), Error);
  c.softmax_cutoffs = {4};
  c.tie_embeddings = false;
  CHECK_THROWS_WITH_AS(models::validate(c), doctest::Contains("an untied output layer has none"),
                       Error);
}
