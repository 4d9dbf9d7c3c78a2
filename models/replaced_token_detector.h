#pragma once
// ELECTRA's replaced-token detection (Clark et al. 2020): a small generator, trained by masked-LM,
// fills the masked positions with tokens sampled from its predictions, and the trunk (the
// discriminator, the part a fine-tune starts from) learns to tell, at every position, whether the
// token is the original one. The trunk thus learns from every token rather than from the 15%
// masked ones. Here the generator is one block over the trunk's own embeddings (tied, as
// ELECTRA's are) with an MlmHead; its parameters are "generator.*" and "mlm_head.*", so that
// `glue train --init-from` reads the file as it reads a MaskedLM's.
#include <memory>
#include <vector>

#include "synthgrad/models/masked_lm.h"
#include "synthgrad/nn/linear.h"

namespace sg::models {

struct ReplacedTokenLoss {
  MaskedLMLoss generator;  // the generator's masked-LM loss and accuracy
  Tensor judged;           // i64 [B, L]: what the trunk read, the original ids with the samples
  Variable detection;      // mean cross-entropy of "replaced or not" over the positions
  int64_t positions = 0;   // positions judged (every one of the batch)
  int64_t replaced = 0;    // of those, holding a token other than the original
  int64_t correct = 0;     // judged right
};

class ReplacedTokenDetector : public nn::Module {
 public:
  explicit ReplacedTokenDetector(const ModelConfig& config);
  // ids i64 [B, L] with masked positions and their labels (mask_tokens); every label is replaced
  // by a sample of the generator's softmax there (no gradient through the draw) and the trunk
  // judges the result. The draw of flat position p is `sampling`'s draw first_draw + p.
  ReplacedTokenLoss loss(const Tensor& ids, const Tensor& labels, const Generator& sampling,
                         uint64_t first_draw);
  std::string type_name() const override { return "ReplacedTokenDetector"; }
  std::string settings() const override;
  const ModelConfig& config() const { return config_; }

  std::shared_ptr<Trunk> trunk;
  std::shared_ptr<nn::TransformerBlock> generator;
  std::shared_ptr<nn::LayerNorm> generator_norm;
  std::shared_ptr<MlmHead> mlm_head;
  std::shared_ptr<nn::Linear> detection_head;  // [d] -> 2: original, replaced

 private:
  ModelConfig config_;
};

// Row k of logits [S, V] (V > 0) sampled from its softmax with the uniform draw of counter
// first_draw + positions[k]: the ids [S].
std::vector<int64_t> sample_from_logits(const Tensor& logits, const std::vector<int64_t>& positions,
                                        const Generator& sampling, uint64_t first_draw);

}  // namespace sg::models
