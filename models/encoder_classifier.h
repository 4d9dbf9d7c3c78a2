#pragma once
#include <memory>

#include "models/trunk.h"
#include "nn/linear.h"

namespace sg::models {

// A Transformer encoder with a head on the first token ([CLS]) or on the mean of the tokens
// (config.pooling): classification logits [B, C], or a regression score [B, 1] when num_classes
// == 1. The mean of hidden [B, L, D] over the positions where padding (b8 [B, L], optional) is 0:
// [B, D]. An all-padding row gives zeros.
Variable mean_over_tokens(const Variable& hidden, const Tensor& padding);

class EncoderClassifier : public nn::Module {
 public:
  explicit EncoderClassifier(const ModelConfig& config);
  // padding: b8 [B, L], 1 at padding positions (optional); segments: [B, L] when configured.
  Variable forward(const Tensor& ids, const Tensor& padding = {}, const Tensor& segments = {});
  std::string type_name() const override { return "EncoderClassifier"; }
  std::string settings() const override;
  const ModelConfig& config() const { return config_; }

  std::shared_ptr<Trunk> trunk;
  std::shared_ptr<nn::Linear> head;

 private:
  ModelConfig config_;
};

}  // namespace sg::models
