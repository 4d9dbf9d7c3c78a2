#pragma once
// One config struct builds either model kind; it is stored (as JSON) in every checkpoint so that a
// model loads without the caller repeating it.
#include <cstdint>
#include <string>
#include <vector>

#include "synthgrad/nn/attention/config.h"

namespace sg::models {

// The numbers --pooling surprisal reads beside the mean (models/surprisal_features.h).
inline constexpr int64_t kSurprisalFeatures = 5;

struct ModelConfig {
  int64_t vocab_size = 0;
  int64_t dim = 256;
  int64_t heads = 4;
  int64_t layers = 4;
  int64_t max_length = 128;
  int64_t ffn_hidden = 0;              // 0 means 4 * dim
  std::string attention = "V";         // any variant of nn/attention/config.h
  int64_t factor_a = 0, factor_b = 0;  // FD factors (0: most square)
  int64_t random_rank = 8;             // FR rank
  float dropout = 0.1f;                // embeddings, residual branches, feed-forward
  float attention_dropout = 0.1f;      // attention probabilities
  bool learned_positions = true;       // else sinusoidal
  // Encoder classifier only.
  int64_t segments = 0;     // > 0 adds a segment (sentence A / B) embedding
  int64_t num_classes = 2;  // 1 means regression (a single score)
  // What the head reads: "cls", the hidden state of position 0 (BERT); "mean", the mean of the
  // hidden states of every non-padding position (what masked-LM pre-training trains every one of);
  // "pair", each segment's mean and their differences (sentence_pair_features; needs segments);
  // "align", pair with a word-by-word comparison (aligned_pair_features); "surprisal", the mean
  // with the trunk's own next-token surprisals (surprisal_features: the trunk runs causally, as
  // pretrain --objective clm trained it; needs token weights).
  std::string pooling = "cls";
  // The trunk holds a weight per token (a buffer [vocab_size], ones until set) by which "mean" and
  // "pair" weigh each position: pre-training sets smooth inverse frequencies a / (a + p(token))
  // (Arora et al. 2017), so that frequent words count less in a sentence's mean.
  bool token_weights = false;
  // The head reads a learnt blend of the embedding layer's and every block's states (ELMo's
  // scalar mix, models/layer_mix.h) instead of the last block's; surprisals still come from the
  // last block, whose predictions they are.
  bool layer_mix = false;
  // Causal LM only.
  bool tie_embeddings = true;  // output projection = token embedding transposed
  // Empty: one softmax over the vocabulary; else the first id of each frequency cluster of a
  // clustered softmax over the tied embedding (nn/clustered_softmax.h; the trunk holds the
  // clusters' vectors), which a causal LM trains on and --pooling surprisal reads.
  std::vector<int64_t> softmax_cutoffs = {};
  uint64_t seed = 0;    // initialisation and dropout
  bool verbose = true;  // print the parameter count at construction

  int64_t hidden() const { return ffn_hidden > 0 ? ffn_hidden : 4 * dim; }
  // What an EncoderClassifier's head reads: d for cls and mean, 4d for pair, 6d for align.
  int64_t pooled_features() const {
    if (pooling == "surprisal") return dim + kSurprisalFeatures;
    return pooling == "align" ? 6 * dim : pooling == "pair" ? 4 * dim : dim;
  }
  nn::AttentionConfig attention_config() const;
};

// Throws sg::Error naming the first invalid field.
void validate(const ModelConfig& config);
std::string to_json(const ModelConfig& config);
// Throws sg::Error naming the field that is missing or of the wrong type.
ModelConfig config_from_json(const std::string& json);

}  // namespace sg::models
