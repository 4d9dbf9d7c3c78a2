#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "models/random_ids.h"
#include "support/error_message.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/models/pretrained_trunk.h"
#include "synthgrad/nn/checkpoint.h"

using namespace sg;
using models::ModelConfig;
using sg::testing::error_message;

namespace {

ModelConfig tiny_trunk(const std::string& attention, int64_t segments = 0) {
  return {.vocab_size = 11,
          .dim = 8,
          .heads = 2,
          .layers = 2,
          .max_length = 6,
          .attention = attention,
          .dropout = 0.0f,
          .attention_dropout = 0.0f,
          .segments = segments,
          .seed = 5,
          .verbose = false};
}

// A classifier config that differs from the pre-trained one in every field a fine-tuning run sets
// itself, and in the trunk fields it must take over.
ModelConfig classifier_config() {
  return {.vocab_size = 3,
          .dim = 16,
          .heads = 4,
          .layers = 1,
          .max_length = 4,
          .dropout = 0.0f,
          .attention_dropout = 0.0f,
          .num_classes = 3,
          .seed = 77,
          .verbose = false};
}

struct TempFolder {
  std::string path;
  TempFolder() : path((std::filesystem::temp_directory_path() / "sg_trunk_XXXXXX").string()) {
    REQUIRE(mkdtemp(path.data()) != nullptr);
  }
  ~TempFolder() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

std::vector<float> hidden_states(models::Trunk& trunk, const Tensor& ids, const Tensor& segments) {
  return trunk.forward(ids, segments, {.padding = {}, .causal = false}).data().to_vector<float>();
}

std::shared_ptr<models::EncoderClassifier> fine_tuned_from(const std::string& path) {
  const ModelConfig config =
      models::with_trunk_of(classifier_config(), models::pretrained_config(path));
  auto classifier = std::make_shared<models::EncoderClassifier>(config);
  models::load_trunk_into(*classifier->trunk, config, path);
  return classifier;
}

// A classifier fine-tuned from `path` computes the hidden states of `pretrained`, the trunk saved
// there.
void check_trunk_carried_over(models::Trunk& pretrained, const std::string& path, uint64_t seed) {
  const auto classifier = fine_tuned_from(path);
  Generator gen(seed);
  const Tensor ids = testing::random_ids({2, 6}, 11, gen), segments = zeros({2, 6}, DType::i64);
  CHECK(hidden_states(*classifier->trunk, ids, segments) ==
        hidden_states(pretrained, ids, segments));
}

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

}  // namespace

TEST_CASE("a classifier from a masked LM checkpoint computes the pre-trained hidden states") {
  TempFolder folder;
  Generator gen(3);
  const Tensor ids = testing::random_ids({2, 6}, 11, gen);
  for (const std::string attention : {"V", "D", "R", "Rfix", "FD", "FR", "R+V", "D+R+V"}) {
    for (const int64_t segments : {0, 2}) {
      CAPTURE(attention);
      CAPTURE(segments);
      models::MaskedLM pretrained(tiny_trunk(attention, segments));
      const std::string path = folder.file("mlm.safetensors");
      models::save_model(pretrained, path);
      const Tensor segment_ids = segments > 0 ? zeros({2, 6}, DType::i64) : Tensor{};

      const auto classifier = fine_tuned_from(path);
      CHECK(classifier->config().attention == attention);
      CHECK(classifier->config().segments == segments);
      CHECK(classifier->config().num_classes == 3);
      CHECK(classifier->config().seed == 77);
      CHECK(hidden_states(*classifier->trunk, ids, segment_ids) ==
            hidden_states(*pretrained.trunk, ids, segment_ids));
      // The head is the one a fresh classifier of that config starts with.
      const models::EncoderClassifier fresh(classifier->config());
      CHECK(classifier->head->weight.data().to_vector<float>() ==
            fresh.head->weight.data().to_vector<float>());
      // ...and the copy is what changed the trunk: a fresh one computes something else.
      CHECK(hidden_states(*fresh.trunk, ids, segment_ids) !=
            hidden_states(*pretrained.trunk, ids, segment_ids));
    }
  }
}

TEST_CASE("a classifier checkpoint is a pre-trained trunk too, with a fresh head") {
  TempFolder folder;
  ModelConfig config = tiny_trunk("R+V", 2);
  config.num_classes = 5;
  models::EncoderClassifier pretrained(config);
  const std::string path = folder.file("classifier->safetensors");
  models::save_model(pretrained, path);
  CHECK(fine_tuned_from(path)->config().num_classes == 3);
  check_trunk_carried_over(*pretrained.trunk, path, 4);
}

TEST_CASE("a trunk's token weights come with it, and a trunk without them gives none") {
  TempFolder folder;
  ModelConfig config = tiny_trunk("V", 2);
  config.token_weights = true;
  models::MaskedLM pretrained(config);
  std::vector<float> weights(11);
  for (size_t id = 0; id < weights.size(); ++id) weights[id] = 1.0f / static_cast<float>(id + 1);
  copy_into(pretrained.trunk->token_weights, from_vector(weights));
  const std::string path = folder.file("weighted.safetensors");
  models::save_model(pretrained, path);
  const auto classifier = fine_tuned_from(path);
  CHECK(classifier->config().token_weights);
  CHECK(classifier->trunk->token_weights.to_vector<float>() == weights);
  models::save_model(models::MaskedLM(tiny_trunk("V", 2)), path);
  CHECK_FALSE(fine_tuned_from(path)->trunk->token_weights.defined());
}

TEST_CASE("a replaced-token detector's trunk is a pre-trained trunk, its generator left behind") {
  TempFolder folder;
  models::ReplacedTokenDetector pretrained(tiny_trunk("R+V", 2));
  const std::string path = folder.file("rtd.safetensors");
  models::save_model(pretrained, path);
  const NamedTensorList saved = nn::state_of(pretrained),
                        loaded = nn::state_of(*models::load_replaced_token_detector(path));
  REQUIRE(loaded.size() == saved.size());
  for (size_t i = 0; i < saved.size(); ++i) {
    CHECK(loaded[i].first == saved[i].first);
    CHECK(loaded[i].second.to_vector<float>() == saved[i].second.to_vector<float>());
  }
  check_trunk_carried_over(*pretrained.trunk, path, 6);
}

TEST_CASE("a causal LM's trunk (pretrain --objective clm) starts a classifier") {
  TempFolder folder;
  models::CausalLM pretrained(tiny_trunk("D+V", 2));
  const std::string path = folder.file("clm.safetensors");
  models::save_model(pretrained, path);
  check_trunk_carried_over(*pretrained.trunk, path, 8);
}

TEST_CASE("a clustered softmax's cutoffs and cluster vectors come with a causal trunk") {
  TempFolder folder;
  ModelConfig config = tiny_trunk("V");
  config.softmax_cutoffs = {4, 8};
  models::CausalLM pretrained(config);
  const std::string path = folder.file("clustered.safetensors");
  models::save_model(pretrained, path);
  const auto classifier = fine_tuned_from(path);
  CHECK(classifier->config().softmax_cutoffs == config.softmax_cutoffs);
  CHECK(classifier->trunk->softmax_clusters.data().to_vector<float>() ==
        pretrained.trunk->softmax_clusters.data().to_vector<float>());
}

TEST_CASE("a training checkpoint is no pre-trained trunk") {
  TempFolder folder;
  const std::string last = folder.file("last.safetensors");
  models::MaskedLM model(tiny_trunk("V"));
  nn::save_training_checkpoint(last, model, {{}, models::model_metadata(model.config(), {})});
  CHECK(error_message([&] { models::pretrained_config(last); }) ==
        "pre-trained trunk '" + last +
            "': not a MaskedLM, ReplacedTokenDetector, CausalLM or EncoderClassifier checkpoint (a "
            "model file with trunk.* tensors and its config in the metadata)");
}

TEST_CASE("a trunk of other sizes or another variant is refused in a few lines naming tensors") {
  TempFolder folder;
  const std::string path = folder.file("mlm.safetensors");
  models::save_model(models::MaskedLM(tiny_trunk("R")), path);
  const ModelConfig file_config = models::pretrained_config(path);

  ModelConfig wider = file_config;
  wider.dim = 16;
  models::Trunk wide_trunk(wider);
  const std::string dim_error =
      error_message([&] { models::load_trunk_into(wide_trunk, wider, path); });
  CHECK(dim_error.find("load trunk from '" + path +
                       "': the pre-trained trunk differs from the model's: dim 8 in the file, 16 "
                       "in the model\n") == 0);
  CHECK(dim_error.find("of a different shape or dtype: tokens.weight is f32 [11, 8] in the file, "
                       "f32 [11, 16] in the model") != std::string::npos);
  CHECK(line_count(dim_error) <= 5);

  ModelConfig dense = file_config;
  dense.attention = "D+V";
  models::Trunk dense_trunk(dense);
  const std::string variant_error =
      error_message([&] { models::load_trunk_into(dense_trunk, dense, path); });
  CHECK(variant_error.find("attention R in the file, D+V in the model") != std::string::npos);
  CHECK(variant_error.find("missing from the file: blocks.0.mixer.mix, blocks.0.mixer.D.") !=
        std::string::npos);
  CHECK(variant_error.find("2 unexpected (not in the model): blocks.0.mixer.R.matrix, "
                           "blocks.1.mixer.R.matrix") != std::string::npos);
  CHECK(line_count(variant_error) <= 5);
}

TEST_CASE("a trunk that differs only in config, not in tensor shapes, is refused unchanged") {
  TempFolder folder;
  const std::string path = folder.file("mlm.safetensors");
  models::save_model(models::MaskedLM(tiny_trunk("V")), path);
  ModelConfig more_heads = models::pretrained_config(path);
  more_heads.heads = 4;
  models::Trunk trunk(more_heads);
  const auto before = (*trunk.blocks)[0].parameters().front().data().to_vector<float>();
  CHECK(error_message([&] { models::load_trunk_into(trunk, more_heads, path); }) ==
        "load trunk from '" + path +
            "': the pre-trained trunk differs from the model's: heads 2 in the file, 4 in the "
            "model");
  CHECK((*trunk.blocks)[0].parameters().front().data().to_vector<float>() == before);
  // Softmax cutoffs are named as the flag takes them, and none as none.
  ModelConfig clustered = models::pretrained_config(path);
  clustered.softmax_cutoffs = {4, 9};
  models::Trunk clustered_trunk(clustered);
  CHECK(error_message([&] {
          models::load_trunk_into(clustered_trunk, clustered, path);
        }).find("softmax_cutoffs none in the file, 4,9 in the model") != std::string::npos);
}
