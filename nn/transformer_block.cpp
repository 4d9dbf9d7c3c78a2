#include "synthgrad/nn/transformer_block.h"

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

Variable TransformerBlock::forward(const Variable& x, const AttentionMask& mask) {
  Variable h = dropout_->forward_residual(x, mixer->forward(norm1->forward(x), mask));
  return dropout_->forward_residual(h, ffn->forward(norm2->forward(h)));
}

}  // namespace sg::nn
