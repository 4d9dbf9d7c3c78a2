#pragma once
// Fine-tuning from a pre-trained trunk: a classifier takes the trunk's config (sizes, attention,
// positions, segments, vocabulary) and weights from a MaskedLM, ReplacedTokenDetector, CausalLM
// or EncoderClassifier checkpoint and keeps only its head fresh. A mismatch is reported in a few
// lines: the differing config fields, then per kind of tensor mismatch a count and the first few
// names.
#include <string>
#include <vector>

#include "synthgrad/models/config.h"
#include "synthgrad/models/trunk.h"

namespace sg::models {

// The config of a MaskedLM, ReplacedTokenDetector, CausalLM or EncoderClassifier checkpoint;
// throws an sg::Error naming the file when it holds something else (a training checkpoint...).
ModelConfig pretrained_config(const std::string& path);

// `config` with the trunk fields of `pretrained`; the head (num_classes), dropout and seed stay.
ModelConfig with_trunk_of(ModelConfig config, const ModelConfig& pretrained);

struct FieldDifference {
  std::string field;             // "dim"
  std::string file, model;       // the values, as text
  std::string describe() const;  // "dim 64 in the file, 32 in the model"
};

// The trunk fields in which `file` and `model` differ.
std::vector<FieldDifference> trunk_differences(const ModelConfig& file, const ModelConfig& model);

// Copies the checkpoint's trunk.* tensors into `trunk`, which was built from `config`. On any
// mismatch nothing is changed and the sg::Error names the file, the differing config fields and
// the tensors.
void load_trunk_into(Trunk& trunk, const ModelConfig& config, const std::string& path);

}  // namespace sg::models
