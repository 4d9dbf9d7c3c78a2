#pragma once
// What both model kinds share: token + position (+ segment) embeddings, dropout, N pre-LN blocks of
// the configured attention variant, and a final LayerNorm.
#include <memory>
#include <vector>

#include "synthgrad/models/config.h"
#include "synthgrad/nn/clustered_softmax.h"
#include "synthgrad/nn/containers.h"
#include "synthgrad/nn/embedding.h"
#include "synthgrad/nn/layer_norm.h"
#include "synthgrad/nn/transformer_block.h"

namespace sg::models {

class Trunk : public nn::Module {
 public:
  // `model` names the owning model in the errors of bad segment ids or padding masks.
  explicit Trunk(const ModelConfig& config, std::string model = "Trunk");
  // ids [B, L] (i32 or i64); segments [B, L] or undefined; returns hidden states [B, L, d]:
  // encode(embed(ids, segments), mask, layer_states).
  // With nn::OutputPositions::first, only the first position's states [B, 1, d] (see encode).
  Variable forward(const Tensor& ids, const Tensor& segments, const nn::AttentionMask& mask,
                   std::vector<Variable>* layer_states = nullptr,
                   nn::OutputPositions read = nn::OutputPositions::all);
  // The summed token, position (and segment) embeddings, after dropout: [B, L, d].
  Variable embed(const Tensor& ids, const Tensor& segments);
  // The blocks and the final LayerNorm over embedded input x [B, L, d]. With layer_states, also
  // every layer's normalized states [B, L, d] in order (the embedding layer's as the first
  // block's norm reads it, each block's output as the next norm reads it; the last is the result):
  // layers + 1 of them, for a head that mixes the layers (models/layer_mix.h).
  // With nn::OutputPositions::first the result, and the last of the layer states, are the first
  // position's [B, 1, d] alone, and the last block computes only what they need: for a head that
  // reads the [CLS] state, the same values with less work.
  Variable encode(Variable x, const nn::AttentionMask& mask,
                  std::vector<Variable>* layer_states = nullptr,
                  nn::OutputPositions read = nn::OutputPositions::all);
  std::string type_name() const override { return "Trunk"; }

  // The generator behind every dropout mask of the model: part of a training checkpoint.
  Generator& dropout_generator() { return *dropout_gen_; }
  // The same, for layers built beside the trunk that draw from it too.
  const std::shared_ptr<Generator>& shared_dropout_generator() const { return dropout_gen_; }

  std::shared_ptr<nn::Embedding> tokens;
  std::shared_ptr<nn::PositionalEmbedding> positions;
  std::shared_ptr<nn::Embedding> segment_embedding;  // null without segments
  std::shared_ptr<nn::ModuleList<nn::TransformerBlock>> blocks;
  std::shared_ptr<nn::LayerNorm> final_norm;
  Tensor token_weights;  // f32 [vocab_size] with config.token_weights, else undefined
  // [cutoffs, d] with config.softmax_cutoffs, else undefined: kept beside the token embedding
  // that they extend into a clustered output softmax.
  Variable softmax_clusters;
  // The token embedding as the output softmax over the vocabulary (clustered when configured).
  nn::ClusteredSoftmax tied_output() const;

 private:
  std::string model_;
  std::vector<int64_t> softmax_cutoffs_;
  std::shared_ptr<Generator> dropout_gen_;
  std::shared_ptr<nn::Dropout> dropout_;
};

// The segment ids of a model fed one segment: zeros [B, L] when it has segment embeddings, else
// undefined.
Tensor single_segment(const ModelConfig& config, const Tensor& ids);
// "attention=V, layers=2, dim=128, heads=4, vocab=8000": a pre-training model's settings line.
std::string trunk_settings(const ModelConfig& config);

// Checks ids [B, L] of an integer type with every id below `vocab_size`.
void check_token_ids(const Tensor& ids, int64_t vocab_size, const char* model);

}  // namespace sg::models
