#pragma once
// A Transformer encoder pre-trained by masked-language modelling (BERT): the Trunk that the
// EncoderClassifier uses, under the same parameter names ("trunk."), with an MlmHead on every
// position, so a classifier can start from the pre-trained trunk.
#include <memory>
#include <vector>

#include "synthgrad/models/mlm_head.h"
#include "synthgrad/models/trunk.h"

namespace sg::models {

struct MaskedLMLoss {
  Variable loss;                   // mean cross-entropy over the selected positions
  int64_t selected = 0;            // positions with a label
  int64_t correct = 0;             // of those, predicted right by the largest logit
  Variable logits;                 // [selected, V], in the order of `positions`
  std::vector<int64_t> positions;  // the selected positions' flat indices into [B, L]
  std::vector<int64_t> targets;    // their labels, in the same order
  double accuracy() const {
    return selected > 0 ? static_cast<double>(correct) / static_cast<double>(selected) : 0.0;
  }
};

// The masked-LM loss of hidden states [B, L, d] against labels i64 [B, L] (the id to predict, or
// -100 where nothing is): `head` runs on the selected positions only, its output layer the token
// embedding [V, d]. `op` names the caller in errors.
MaskedLMLoss masked_lm_loss(MlmHead& head, const Variable& output_embedding, const Variable& hidden,
                            const Tensor& labels, const char* op);

class MaskedLM : public nn::Module {
 public:
  explicit MaskedLM(const ModelConfig& config);
  // ids [B, L] -> logits [B, L, V]; padding: b8 [B, L], 1 at padding (optional). With segment
  // embeddings configured, every position is segment 0.
  Variable forward(const Tensor& ids, const Tensor& padding = {});
  // labels i64 [B, L]: the id to predict, or data::kIgnoreLabel (-100) where nothing is. The head
  // runs on the selected positions only.
  MaskedLMLoss loss(const Tensor& ids, const Tensor& labels, const Tensor& padding = {});
  std::string type_name() const override { return "MaskedLM"; }
  std::string settings() const override;
  const ModelConfig& config() const { return config_; }

  std::shared_ptr<Trunk> trunk;
  std::shared_ptr<MlmHead> mlm_head;

 private:
  Variable hidden(const Tensor& ids, const Tensor& padding);

  ModelConfig config_;
};

}  // namespace sg::models
