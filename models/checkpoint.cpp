#include "synthgrad/models/checkpoint.h"

#include <string_view>

#include "synthgrad/nn/checkpoint.h"

namespace sg::models {

namespace {

ModelConfig config_of(const SafetensorsContent& content, const std::string& path) {
  auto it = content.metadata.find("config");
  SG_CHECK(it != content.metadata.end(), "load model '{}': no model config in the file's metadata",
           path);
  try {
    return config_from_json(it->second);
  } catch (const Error& e) {
    fail("load model '{}': {}", path, e.what());
  }
}

// The kind of model file, by its tensors' names: loading one kind as another would otherwise end
// in a list of missing and unexpected tensors that does not say what the file is.
struct ModelKind {
  std::string_view model;        // the class, empty for a file that is not one
  std::string_view description;  // for the message
};

ModelKind kind_of(const NamedTensorList& tensors) {
  const auto has = [&](std::string_view prefix) { return has_tensor_prefix(tensors, prefix); };
  if (has("model.") && has("optimizer."))
    return {"",
            "a training checkpoint (a run's last.safetensors: the model with its optimizer "
            "state; load the run's best.safetensors)"};
  if (!has("trunk.")) return {"", "not a synthgrad model (no trunk.* tensors)"};
  if (has("generator."))
    return {"ReplacedTokenDetector", "a ReplacedTokenDetector (pretrain --objective rtd)"};
  if (has("mlm_head.")) return {"MaskedLM", "a MaskedLM (pretrain)"};
  if (has("head.")) return {"EncoderClassifier", "an EncoderClassifier (glue train)"};
  return {"CausalLM", "a CausalLM (lm train)"};
}

template <class Model>
std::shared_ptr<Model> load(const std::string& path, std::string_view expected) {
  const SafetensorsContent content = load_safetensors(path);
  const ModelKind kind = kind_of(content.tensors);
  SG_CHECK(kind.model == expected, "load model '{}': expected model class {}, but the file is {}",
           path, expected, kind.description);
  auto model = std::make_shared<Model>(config_of(content, path));
  nn::load_state(*model, content.tensors, path);
  return model;
}

}  // namespace

Metadata model_metadata(const ModelConfig& config, Metadata extra) {
  extra["config"] = to_json(config);
  return extra;
}

void save_model(const EncoderClassifier& model, const std::string& path, const Metadata& extra) {
  nn::save_module(model, path, model_metadata(model.config(), extra));
}

void save_model(const CausalLM& model, const std::string& path, const Metadata& extra) {
  nn::save_module(model, path, model_metadata(model.config(), extra));
}

void save_model(const MaskedLM& model, const std::string& path, const Metadata& extra) {
  nn::save_module(model, path, model_metadata(model.config(), extra));
}

void save_model(const ReplacedTokenDetector& model, const std::string& path,
                const Metadata& extra) {
  nn::save_module(model, path, model_metadata(model.config(), extra));
}

std::shared_ptr<EncoderClassifier> load_encoder_classifier(const std::string& path) {
  return load<EncoderClassifier>(path, "EncoderClassifier");
}

std::shared_ptr<CausalLM> load_causal_lm(const std::string& path) {
  return load<CausalLM>(path, "CausalLM");
}

std::shared_ptr<MaskedLM> load_masked_lm(const std::string& path) {
  return load<MaskedLM>(path, "MaskedLM");
}

std::shared_ptr<ReplacedTokenDetector> load_replaced_token_detector(const std::string& path) {
  return load<ReplacedTokenDetector>(path, "ReplacedTokenDetector");
}

ModelConfig read_config(const std::string& path) {
  return config_of(load_safetensors(path), path);
}

}  // namespace sg::models
