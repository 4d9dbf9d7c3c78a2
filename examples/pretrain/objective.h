#pragma once
// What pre-training trains, behind one face: a MaskedLM (--objective mlm, BERT) or a
// ReplacedTokenDetector (--objective rtd, ELECTRA), each scored on the same masked batches.
#include <memory>
#include <string>

#include "synthgrad/models/masked_lm.h"
#include "synthgrad/models/replaced_token_detector.h"

namespace sg::examples {

struct PretrainingLoss {
  Variable masked_lm;    // mean over the selected positions (the generator's, for rtd)
  Variable detection;    // rtd: mean over every position; undefined for mlm
  int64_t selected = 0;  // masked-LM positions, and those predicted right
  int64_t correct = 0;
  int64_t judged = 0;  // rtd: positions judged, and those judged right
  int64_t judged_correct = 0;
};

class PretrainingModel {
 public:
  // objective "mlm" or "rtd".
  PretrainingModel(const std::string& objective, const models::ModelConfig& config);
  static PretrainingModel load(const std::string& objective, const std::string& path);

  // ids and labels i64 [B, L] from mask_tokens; rtd draws its samples for flat position p from
  // `sampling` at first_draw + p.
  PretrainingLoss loss(const Tensor& ids, const Tensor& labels, const Generator& sampling,
                       uint64_t first_draw);
  void save(const std::string& path) const;
  nn::Module& module() const;
  models::Trunk& trunk() const;
  const models::ModelConfig& config() const;
  bool detects() const { return rtd_ != nullptr; }

 private:
  PretrainingModel() = default;
  // f applied to whichever model this is: the one place that tells the two apart.
  template <class F>
  decltype(auto) visit(const F& f) const {
    return mlm_ ? f(*mlm_) : f(*rtd_);
  }

  std::shared_ptr<models::MaskedLM> mlm_;
  std::shared_ptr<models::ReplacedTokenDetector> rtd_;
};

}  // namespace sg::examples
