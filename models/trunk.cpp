#include "synthgrad/models/trunk.h"

#include <utility>

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/nn/attention/attention.h"

namespace sg::models {

Trunk::Trunk(const ModelConfig& c, std::string model)
    : model_(std::move(model)),
      softmax_cutoffs_(c.softmax_cutoffs),
      dropout_gen_(std::make_shared<Generator>(c.seed + 1)) {
  validate(c);
  Generator init(c.seed);
  tokens = register_module("tokens", std::make_shared<nn::Embedding>(c.vocab_size, c.dim, init));
  if (c.learned_positions)
    positions = register_module(
        "positions", std::make_shared<nn::LearnedPositionalEmbedding>(c.max_length, c.dim, init));
  else
    positions = register_module(
        "positions", std::make_shared<nn::SinusoidalPositionalEmbedding>(c.max_length, c.dim));
  if (c.segments > 0)
    segment_embedding =
        register_module("segments", std::make_shared<nn::Embedding>(c.segments, c.dim, init));
  dropout_ = register_module("dropout", std::make_shared<nn::Dropout>(c.dropout, dropout_gen_));
  blocks = register_module("blocks", std::make_shared<nn::ModuleList<nn::TransformerBlock>>());
  for (int64_t i = 0; i < c.layers; ++i) {
    auto mixer = std::make_shared<nn::Attention>(c.attention_config(), init, dropout_gen_);
    blocks->push_back(std::make_shared<nn::TransformerBlock>(mixer, c.dim, c.hidden(), c.dropout,
                                                             init, dropout_gen_));
  }
  final_norm = register_module("final_norm", std::make_shared<nn::LayerNorm>(c.dim));
  if (c.token_weights) token_weights = register_buffer("token_weights", ones({c.vocab_size}));
  if (!c.softmax_cutoffs.empty())
    softmax_clusters = register_parameter(
        "softmax_clusters",
        nn::normal({static_cast<int64_t>(c.softmax_cutoffs.size()), c.dim}, 0.02f, init));
}

nn::ClusteredSoftmax Trunk::tied_output() const {
  return {.embedding = tokens->weight,
          .cutoffs = softmax_cutoffs_,
          .cluster_vectors = softmax_clusters};
}

Variable Trunk::forward(const Tensor& ids, const Tensor& segments, const nn::AttentionMask& mask,
                        std::vector<Variable>* layer_states, nn::OutputPositions read) {
  return encode(embed(ids, segments), mask, layer_states, read);
}

Variable Trunk::embed(const Tensor& ids, const Tensor& segments) {
  SG_CHECK(ids.defined() && ids.dim() == 2, "{}: token ids must be [batch, length], got {}", model_,
           describe(ids));
  // Checked here for every model, with or without segment embeddings: left to the embedding, an
  // id out of range gives a message that does not say it is a segment id.
  if (segments.defined()) {
    SG_CHECK((segments.dtype() == DType::i32 || segments.dtype() == DType::i64) &&
                 segments.shape() == ids.shape(),
             "{}: segment ids must be i32/i64 of the token ids' shape {}, got {} {}", model_,
             shape_str(ids.shape()), dtype_name(segments.dtype()), shape_str(segments.shape()));
    const int64_t count = segment_embedding ? segment_embedding->weight.size(0) : 0;
    for (int64_t s : segments.to(DType::i64).to_vector<int64_t>()) {
      SG_CHECK(segment_embedding || s == 0,
               "{}: segment id {} given to a model without segment embeddings", model_, s);
      SG_CHECK(!segment_embedding || (s >= 0 && s < count),
               "{}: segment id {} is outside the {} segments", model_, s, count);
    }
  } else {
    SG_CHECK(!segment_embedding,
             "{}: no segment ids for token ids {}, but the model has {} segments", model_,
             shape_str(ids.shape()), segment_embedding->weight.size(0));
  }
  Variable x = tokens->forward(ids) + positions->forward(ids.size(1));
  if (segment_embedding) x = x + segment_embedding->forward(segments);
  return dropout_->forward(x);
}

Variable Trunk::encode(Variable x, const nn::AttentionMask& mask,
                       std::vector<Variable>* layer_states, nn::OutputPositions read) {
  // The attention layers check the mask too, but with no layers nothing else would.
  const Tensor& padding = mask.padding;
  SG_CHECK(!padding.defined() ||
               (padding.dtype() == DType::b8 && padding.shape() == Shape({x.size(0), x.size(1)})),
           "{}: the padding mask must be b8 [{}, {}], got {} {}", model_, x.size(0), x.size(1),
           dtype_name(padding.dtype()), shape_str(padding.shape()));
  const auto keep = [layer_states](const Variable& state) {
    if (layer_states) layer_states->push_back(state);
    return state;
  };
  if (blocks->size() == 0) {
    const Variable states = final_norm->forward(x);
    return keep(read == nn::OutputPositions::first ? narrow(states, 1, 0, 1) : states);
  }
  // Each block's last residual add runs in one pass with the norm that reads its output next.
  AddLayerNorm stream{x, keep((*blocks)[0].norm1->forward(x))};
  for (size_t i = 0; i < blocks->size(); ++i) {
    const bool last = i + 1 == blocks->size();
    stream = (*blocks)[i].forward(stream, mask, last ? *final_norm : *(*blocks)[i + 1].norm1,
                                  last ? read : nn::OutputPositions::all);
    keep(stream.norm);
  }
  return stream.norm;
}

Tensor single_segment(const ModelConfig& config, const Tensor& ids) {
  return config.segments > 0 ? zeros(ids.shape(), DType::i64) : Tensor{};
}

std::string trunk_settings(const ModelConfig& c) {
  return fmt::format("attention={}, layers={}, dim={}, heads={}, vocab={}", c.attention, c.layers,
                     c.dim, c.heads, c.vocab_size);
}

void check_token_ids(const Tensor& ids, int64_t vocab_size, const char* model) {
  SG_CHECK(
      ids.defined() && (ids.dtype() == DType::i32 || ids.dtype() == DType::i64) && ids.dim() == 2,
      "{}: token ids must be an i32/i64 tensor [batch, length], got {}", model,
      ids.defined() ? fmt::format("{} {}", dtype_name(ids.dtype()), shape_str(ids.shape()))
                    : "undefined");
  SG_CHECK(ids.size(1) > 0, "{}: empty sequences", model);
  for (int64_t id : ids.to(DType::i64).to_vector<int64_t>())
    SG_CHECK(id >= 0 && id < vocab_size, "{}: token id {} is outside the vocabulary of {}", model,
             id, vocab_size);
}

}  // namespace sg::models
