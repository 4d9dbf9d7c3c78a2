#pragma once
// Model checkpoints: the weights in safetensors with the model config (JSON) in the metadata under
// "config", so `load_*` rebuilds the model without being told its shape.
#include <memory>
#include <string>

#include "synthgrad/core/safetensors.h"
#include "synthgrad/models/causal_lm.h"
#include "synthgrad/models/encoder_classifier.h"
#include "synthgrad/models/masked_lm.h"
#include "synthgrad/models/replaced_token_detector.h"

namespace sg::models {

Metadata model_metadata(const ModelConfig& config, Metadata extra = {});
void save_model(const EncoderClassifier& model, const std::string& path,
                const Metadata& extra = {});
void save_model(const CausalLM& model, const std::string& path, const Metadata& extra = {});
void save_model(const MaskedLM& model, const std::string& path, const Metadata& extra = {});
void save_model(const ReplacedTokenDetector& model, const std::string& path,
                const Metadata& extra = {});
std::shared_ptr<EncoderClassifier> load_encoder_classifier(const std::string& path);
std::shared_ptr<CausalLM> load_causal_lm(const std::string& path);
std::shared_ptr<MaskedLM> load_masked_lm(const std::string& path);
std::shared_ptr<ReplacedTokenDetector> load_replaced_token_detector(const std::string& path);
// The config stored in a checkpoint file.
ModelConfig read_config(const std::string& path);

}  // namespace sg::models
