#include "synthgrad/models/checkpoint.h"

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

template <class Model>
std::shared_ptr<Model> load(const std::string& path) {
  const SafetensorsContent content = load_safetensors(path);
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
  return load<EncoderClassifier>(path);
}

std::shared_ptr<CausalLM> load_causal_lm(const std::string& path) {
  return load<CausalLM>(path);
}

std::shared_ptr<MaskedLM> load_masked_lm(const std::string& path) {
  return load<MaskedLM>(path);
}

std::shared_ptr<ReplacedTokenDetector> load_replaced_token_detector(const std::string& path) {
  return load<ReplacedTokenDetector>(path);
}

ModelConfig read_config(const std::string& path) {
  return config_of(load_safetensors(path), path);
}

}  // namespace sg::models
