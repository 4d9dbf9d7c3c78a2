#include "synthgrad/nn/transformer_block.h"

#include "synthgrad/autograd/shape_ops.h"

namespace sg::nn {

TransformerBlock::TransformerBlock(std::shared_ptr<TokenMixer> token_mixer, int64_t dim,
                                   int64_t ffn_hidden, float dropout, Generator& init_gen,
                                   std::shared_ptr<Generator> dropout_gen) {
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(dim));
  mixer = register_module("mixer", std::move(token_mixer));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(dim));
  ffn = register_module(
      "ffn", std::make_shared<FeedForward>(dim, ffn_hidden, dropout, init_gen, dropout_gen));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(dropout, std::move(dropout_gen)));
}

AddLayerNorm TransformerBlock::mix(const Variable& x, const Variable& normed_x,
                                   const AttentionMask& mask, OutputPositions positions) {
  if (positions == OutputPositions::first)
    return norm2->forward_residual(narrow(x, 1, 0, 1), mixer->forward_first(normed_x, mask),
                                   *dropout_);
  return norm2->forward_residual(x, mixer->forward(normed_x, mask), *dropout_);
}

Variable TransformerBlock::forward(const Variable& x, const AttentionMask& mask) {
  const AddLayerNorm h = mix(x, norm1->forward(x), mask);
  return dropout_->forward_residual(h.sum, ffn->forward(h.norm));
}

AddLayerNorm TransformerBlock::forward(const AddLayerNorm& input, const AttentionMask& mask,
                                       const LayerNorm& next_norm, OutputPositions positions) {
  const AddLayerNorm h = mix(input.sum, input.norm, mask, positions);
  return next_norm.forward_residual(h.sum, ffn->forward(h.norm), *dropout_);
}

}  // namespace sg::nn
