#pragma once
// What pre-training trains, behind one face: a MaskedLM (--objective mlm, BERT), a
// ReplacedTokenDetector (--objective rtd, ELECTRA), each scored on the same masked batches, or a
// CausalLM (--objective clm, GPT) that predicts every next token of the unmasked ones.
#include <memory>
#include <string>

#include "synthgrad/data/mlm_masking.h"
#include "synthgrad/models/causal_lm.h"
#include "synthgrad/models/masked_lm.h"
#include "synthgrad/models/replaced_token_detector.h"

namespace sg::examples {

struct PretrainingLoss {
  // Mean over the predicted positions: the masked ones (the generator's, for rtd), or every next
  // token (clm).
  Variable prediction;
  Variable detection;    // rtd: mean over every position; undefined otherwise
  int64_t selected = 0;  // predicted positions, and those predicted right
  int64_t correct = 0;
  int64_t judged = 0;  // rtd: positions judged, and those judged right
  int64_t judged_correct = 0;
};

class PretrainingModel {
 public:
  // objective "mlm", "rtd" or "clm".
  PretrainingModel(const std::string& objective, const models::ModelConfig& config);
  static PretrainingModel load(const std::string& objective, const std::string& path);

  // ids and labels i64 [B, L] from batch(); rtd draws its samples for flat position p from
  // `sampling` at first_draw + p.
  PretrainingLoss loss(const Tensor& ids, const Tensor& labels, const Generator& sampling,
                       uint64_t first_draw);
  void save(const std::string& path) const;
  nn::Module& module() const;
  models::Trunk& trunk() const;
  const models::ModelConfig& config() const;
  bool detects() const { return rtd_ != nullptr; }
  // The batch of packed ids this objective trains on: masked (mlm, rtd, drawing from `mask_gen`)
  // or as they are, without labels (clm).
  data::MaskedTokens batch(const Tensor& ids, Generator& mask_gen) const;

 private:
  PretrainingModel() = default;
  // f applied to whichever model this is: the one place that tells the two apart.
  template <class F>
  decltype(auto) visit(const F& f) const {
    return mlm_ ? f(*mlm_) : rtd_ ? f(*rtd_) : f(*clm_);
  }

  std::shared_ptr<models::MaskedLM> mlm_;
  std::shared_ptr<models::ReplacedTokenDetector> rtd_;
  std::shared_ptr<models::CausalLM> clm_;
};

}  // namespace sg::examples
