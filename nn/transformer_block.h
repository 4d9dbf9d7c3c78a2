#pragma once
#include <memory>

#include "synthgrad/nn/dropout.h"
#include "synthgrad/nn/feed_forward.h"
#include "synthgrad/nn/layer_norm.h"
#include "synthgrad/nn/token_mixer.h"

namespace sg::nn {

// The positions of a block's output that its caller reads: all of them, or the first alone (a
// classifier on the [CLS] state). For the first alone, the block computes that position's query,
// attention and feed-forward only, and the keys and values of every position: at sequence 64
// about a sixth of the work of the whole block.
enum class OutputPositions { all, first };

// Pre-LayerNorm block: x = x + Dropout(mixer(LN(x))); x = x + Dropout(FFN(LN(x))). The token
// mixer is any attention module, so the Synthesizer variants plug in without changing the block.
class TransformerBlock : public Module {
 public:
  TransformerBlock(std::shared_ptr<TokenMixer> mixer, int64_t dim, int64_t ffn_hidden,
                   float dropout, Generator& init_gen, std::shared_ptr<Generator> dropout_gen);
  Variable forward(const Variable& x, const AttentionMask& mask);
  // The form for a stack of blocks: `input` holds x and norm1(x) (the previous block's last pass
  // computed both), and the block's output comes with next_norm(output) from the same pass of its
  // last residual add. next_norm is the following block's norm1, or the stack's final norm.
  // With OutputPositions::first, the output is [B, 1, d]: the first position of the full one.
  AddLayerNorm forward(const AddLayerNorm& input, const AttentionMask& mask,
                       const LayerNorm& next_norm,
                       OutputPositions positions = OutputPositions::all);
  std::string type_name() const override { return "TransformerBlock"; }

  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<TokenMixer> mixer;
  std::shared_ptr<FeedForward> ffn;

 private:
  // x + Dropout(mixer(normed_x)), and norm2 of it: at every position, or at the first alone.
  AddLayerNorm mix(const Variable& x, const Variable& normed_x, const AttentionMask& mask,
                   OutputPositions positions = OutputPositions::all);

  std::shared_ptr<Dropout> dropout_;
};

}  // namespace sg::nn
