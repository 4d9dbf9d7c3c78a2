#pragma once
#include <memory>

#include "synthgrad/models/trunk.h"
#include "synthgrad/nn/linear.h"

namespace sg::models {

// The mean of hidden [B, L, D] over the positions where padding (b8 [B, L], optional) is 0:
// [B, D], each position weighted by `weights` (f32 [B, L], optional: all 1). A row with no
// weight gives zeros.
Variable mean_over_tokens(const Variable& hidden, const Tensor& padding,
                          const Tensor& weights = {});
// What a head compares two sentences by (InferSent, Sentence-BERT): u and v, the means of the
// non-padding positions of segment 0 and of segment 1 (segments: i64 [B, L]), then
// [u, v, (u - v)^2, u * v]: [B, 4D]. The squared difference stands in for |u - v| (smooth at 0).
// The means weigh positions as mean_over_tokens does.
Variable sentence_pair_features(const Variable& hidden, const Tensor& padding,
                                const Tensor& segments, const Tensor& weights = {});
// sentence_pair_features with what ESIM (Chen et al. 2017) compares, in its simplest form: each
// position of segment 1 (the hypothesis) attends over those of segment 0 (the premise) by scaled
// dot products, a is its premise summary and h its hidden state, and the weighted mean over the
// hypothesis of [(h - a)^2, h * a] is appended: [B, 6D]. A hypothesis word with a close match in
// the premise has (h - a)^2 near zero, the word overlap that entailment mostly turns on.
Variable aligned_pair_features(const Variable& hidden, const Tensor& padding,
                               const Tensor& segments, const Tensor& weights = {});

// A Transformer encoder with a head on the first token ([CLS]), on the mean of the tokens, or on
// the two sentences' means compared (config.pooling; with config.token_weights, the means weigh
// each position by its token's weight in the trunk): classification logits [B, C], or a
// regression score [B, 1] when num_classes == 1.
class EncoderClassifier : public nn::Module {
 public:
  explicit EncoderClassifier(const ModelConfig& config);
  // padding: b8 [B, L], 1 at padding positions (optional); segments: [B, L] when configured.
  Variable forward(const Tensor& ids, const Tensor& padding = {}, const Tensor& segments = {});
  std::string type_name() const override { return "EncoderClassifier"; }
  std::string settings() const override;
  const ModelConfig& config() const { return config_; }

  // --pooling surprisal: the features of surprisal_features for a batch, before the
  // standardization below (no gradient; the trunk in its current mode).
  Tensor raw_surprisal_features(const Tensor& ids, const Tensor& padding = {},
                                const Tensor& segments = {});

  std::shared_ptr<Trunk> trunk;
  std::shared_ptr<nn::Linear> head;
  // config.layer_mix: the mix's weight logits [layers + 1] (zeros: the layers weighed equally)
  // and scale [1] (one); undefined otherwise.
  Variable layer_mix_logits, layer_mix_scale;
  // --pooling surprisal: buffers [kSurprisalFeatures] (0 and 1 until set); the head reads
  // (features - shift) * scale. glue train sets them from the training set before fine-tuning,
  // to each feature's mean and 1 / standard deviation, as a logistic regression standardizes its
  // inputs: sentences differ by a tenth of a feature's mean, and unscaled such a feature needs a
  // weight that Adam's steps of about the learning rate take thousands of steps to grow.
  Tensor surprisal_shift, surprisal_scale;

 private:
  ModelConfig config_;
};

}  // namespace sg::models
