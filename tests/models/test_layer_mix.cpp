// ELMo's scalar mix (models/layer_mix.h) and the classifier head that reads it.
#include <doctest/doctest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "models/random_ids.h"
#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/models/encoder_classifier.h"
#include "synthgrad/models/layer_mix.h"

using namespace sg;
using models::ModelConfig;
using sg::testing::error_message;
using sg::testing::random_ids;

namespace {

std::vector<Variable> variables(const std::vector<Tensor>& tensors) {
  return {tensors.begin(), tensors.end()};
}

ModelConfig mixing_classifier() {
  return {.vocab_size = 16,
          .dim = 8,
          .heads = 2,
          .layers = 2,
          .max_length = 8,
          .dropout = 0.0f,
          .attention_dropout = 0.0f,
          .pooling = "mean",
          .layer_mix = true,
          .verbose = false};
}

}  // namespace

TEST_CASE("scalar_mix: scale times the softmax-weighted sum of the states, in doubles") {
  Generator gen(3);
  const std::vector<Tensor> states{randn({2, 3, 4}, gen), randn({2, 3, 4}, gen),
                                   randn({2, 3, 4}, gen)};
  const std::vector<float> logits{0.5f, -1.0f, 2.0f};
  const float scale = 1.7f;
  const Tensor mixed = models::scalar_mix(variables(states), Variable(from_vector(logits)),
                                          Variable(from_vector(std::vector<float>{scale})))
                           .data();
  REQUIRE(mixed.shape() == Shape({2, 3, 4}));
  double total = 0;
  std::vector<double> weights;
  for (float l : logits) total += std::exp(static_cast<double>(l));
  for (float l : logits) weights.push_back(std::exp(static_cast<double>(l)) / total);
  const auto got = mixed.to_vector<float>();
  for (size_t i = 0; i < got.size(); ++i) {
    double want = 0;
    for (size_t j = 0; j < states.size(); ++j) want += weights[j] * states[j].to_vector<float>()[i];
    CHECK(got[i] == doctest::Approx(scale * want).epsilon(1e-5));
  }
}

TEST_CASE("scalar_mix's gradient matches finite differences: states, weight logits and scale") {
  Generator gen(4);
  const GradcheckResult r = gradcheck(
      [](const std::vector<Variable>& v) {
        return models::scalar_mix({v[0], v[1], v[2]}, v[3], v[4]);
      },
      {randn({2, 3, 4}, gen), randn({2, 3, 4}, gen), randn({2, 3, 4}, gen), randn({3}, gen),
       from_vector(std::vector<float>{0.8f})});
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("scalar_mix refuses no states, states of two shapes and weights of the wrong size") {
  Generator gen(5);
  const Variable a(randn({2, 3}, gen)), b(randn({3, 2}, gen));
  const Variable two(zeros({2})), scale(ones({1}));
  CHECK(error_message([&] { models::scalar_mix({}, two, scale); }) ==
        "scalar_mix: no layer states to mix");
  CHECK(error_message([&] {
          models::scalar_mix({a, b}, two, scale);
        }) == "scalar_mix: layer states [2, 3] and [3, 2] differ in shape");
  CHECK(error_message([&] {
          models::scalar_mix({a, a, a}, two, scale);
        }) == "scalar_mix: 3 states need weight logits [3] and a scale [1], got [2] and [1]");
  CHECK(error_message([&] {
          models::scalar_mix({a, a}, two, Variable(ones({2})));
        }) == "scalar_mix: 2 states need weight logits [2] and a scale [1], got [2] and [2]");
}

TEST_CASE("the trunk hands out every layer's states, the last is what it returns") {
  models::EncoderClassifier model(mixing_classifier());
  Generator gen(6);
  const Tensor ids = random_ids({2, 5}, 16, gen);
  std::vector<Variable> layers;
  const Variable last = model.trunk->forward(ids, {}, {}, &layers);
  REQUIRE(layers.size() == 3);
  CHECK(layers.back().data().to_vector<float>() == last.data().to_vector<float>());
  // The first is the embeddings as the first block's norm reads them.
  const Variable embedded = model.trunk->embed(ids, {});
  const auto first = (*model.trunk->blocks)[0].norm1->forward(embedded).data();
  CHECK(layers.front().data().to_vector<float>() == first.to_vector<float>());
  CHECK(layers[1].data().to_vector<float>() != last.data().to_vector<float>());
}

TEST_CASE("a classifier with a layer mix: equal weights at the start, the last layer when chosen") {
  const ModelConfig config = mixing_classifier();
  models::EncoderClassifier model(config);
  REQUIRE(model.layer_mix_logits.shape() == Shape({3}));
  CHECK(model.layer_mix_logits.data().to_vector<float>() == std::vector<float>(3, 0.0f));
  CHECK(model.layer_mix_scale.data().to_vector<float>() == std::vector<float>{1.0f});
  Generator gen(7);
  const Tensor ids = random_ids({2, 5}, 16, gen);
  std::vector<Variable> layers;
  model.trunk->forward(ids, {}, {}, &layers);
  const Variable equal_mix = mul(add(add(layers[0], layers[1]), layers[2]), 1.0f / 3.0f);
  const auto want =
      model.head->forward(models::mean_over_tokens(equal_mix, {})).data().to_vector<float>();
  const auto got = model.forward(ids).data().to_vector<float>();
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5));
  // All weight on the last layer: the same model without a mix.
  ModelConfig plain = config;
  plain.layer_mix = false;
  models::EncoderClassifier without(plain);
  copy_into(model.layer_mix_logits.data(), from_vector(std::vector<float>{-100.0f, -100.0f, 0.0f}));
  CHECK(model.forward(ids).data().to_vector<float>() ==
        without.forward(ids).data().to_vector<float>());
}

TEST_CASE("with a head on the CLS state, the mix is of the layers' first positions alone") {
  ModelConfig config = mixing_classifier();
  config.pooling = "cls";
  models::EncoderClassifier model(config);
  copy_into(model.layer_mix_logits.data(), from_vector(std::vector<float>{0.5f, -1.0f, 2.0f}));
  Generator gen(8);
  const Tensor ids = random_ids({2, 5}, 16, gen);
  std::vector<Variable> layers;
  model.trunk->forward(ids, {}, {}, &layers);  // every position of every layer
  const Variable mix = models::scalar_mix(layers, model.layer_mix_logits, model.layer_mix_scale);
  const auto want = model.head->forward(select(mix, 1, 0)).data().to_vector<float>();
  const auto got = model.forward(ids).data().to_vector<float>();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5));
}

TEST_CASE(
    "a layer mix is trained: its gradient through the classifier matches finite differences") {
  models::EncoderClassifier model(mixing_classifier());
  Generator gen(8);
  const Tensor ids = random_ids({2, 5}, 16, gen);
  const Tensor logits = from_vector(std::vector<float>{0.3f, -0.2f, 0.5f});
  const Tensor scale = from_vector(std::vector<float>{1.2f});
  const auto classify = [&](const Variable& mix_logits, const Variable& mix_scale) {
    std::vector<Variable> layers;
    model.trunk->forward(ids, {}, {}, &layers);
    return model.head->forward(
        models::mean_over_tokens(models::scalar_mix(layers, mix_logits, mix_scale), {}));
  };
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Variable>& v) { return classify(v[0], v[1]); }, {logits, scale});
  INFO(r.message);
  CHECK(r.ok);
  // The model's own forward is that function of its mix parameters: the same gradients reach them.
  const Variable logits_leaf(logits.clone(), true), scale_leaf(scale.clone(), true);
  sum(classify(logits_leaf, scale_leaf)).backward();
  copy_into(model.layer_mix_logits.data(), logits);
  copy_into(model.layer_mix_scale.data(), scale);
  sum(model.forward(ids)).backward();
  CHECK(model.layer_mix_logits.grad().to_vector<float>() == logits_leaf.grad().to_vector<float>());
  CHECK(model.layer_mix_scale.grad().to_vector<float>() == scale_leaf.grad().to_vector<float>());
}

TEST_CASE(
    "a layer mix is saved with the model and reloads, and configs without one read as before") {
  models::EncoderClassifier model(mixing_classifier());
  copy_into(model.layer_mix_logits.data(), from_vector(std::vector<float>{0.1f, 0.9f, -0.4f}));
  const std::string path = "layer_mix_test.safetensors";
  models::save_model(model, path);
  const auto loaded = models::load_encoder_classifier(path);
  std::remove(path.c_str());
  CHECK(loaded->config().layer_mix);
  CHECK(loaded->layer_mix_logits.data().to_vector<float>() ==
        model.layer_mix_logits.data().to_vector<float>());
  Generator gen(9);
  const Tensor ids = random_ids({2, 5}, 16, gen);
  CHECK(loaded->forward(ids).data().to_vector<float>() ==
        model.forward(ids).data().to_vector<float>());
  // Written only when set: a config without a mix is the JSON of earlier versions, which read as
  // no mix.
  ModelConfig plain = mixing_classifier();
  plain.layer_mix = false;
  const auto json = nlohmann::json::parse(models::to_json(plain));
  CHECK_FALSE(json.contains("layer_mix"));
  CHECK_FALSE(json.contains("softmax_cutoffs"));
  CHECK_FALSE(models::config_from_json(json.dump()).layer_mix);
  CHECK(nlohmann::json::parse(models::to_json(mixing_classifier()))["layer_mix"] == true);
}
