#include "examples/pretrain/objective.h"

#include "synthgrad/autograd/grad_mode.h"
#include "synthgrad/core/error.h"
#include "synthgrad/models/checkpoint.h"

namespace sg::examples {

PretrainingModel::PretrainingModel(const std::string& objective,
                                   const models::ModelConfig& config) {
  SG_CHECK(objective == "mlm" || objective == "rtd" || objective == "clm",
           "pretrain: objective '{}' is none of mlm, rtd and clm", objective);
  if (objective == "mlm")
    mlm_ = std::make_shared<models::MaskedLM>(config);
  else if (objective == "rtd")
    rtd_ = std::make_shared<models::ReplacedTokenDetector>(config);
  else
    clm_ = std::make_shared<models::CausalLM>(config);
}

PretrainingModel PretrainingModel::load(const std::string& objective, const std::string& path) {
  PretrainingModel model;
  if (objective == "mlm")
    model.mlm_ = models::load_masked_lm(path);
  else if (objective == "rtd")
    model.rtd_ = models::load_replaced_token_detector(path);
  else
    model.clm_ = models::load_causal_lm(path);
  return model;
}

PretrainingLoss PretrainingModel::loss(const Tensor& ids, const Tensor& labels,
                                       const Generator& sampling, uint64_t first_draw) {
  // Counting a causal LM's right guesses takes its whole distribution, which a clustered
  // softmax's training steps never compute: they count none, validation (without gradients) all.
  if (clm_ && grad_enabled())
    return {.prediction = clm_->loss(ids),
            .detection = {},
            .selected = ids.size(0) * (ids.size(1) - 1),
            .correct = 0,
            .judged = 0,
            .judged_correct = 0};
  if (clm_) {
    const models::CausalLMLoss out = clm_->scored_loss(ids);
    return {.prediction = out.loss,
            .detection = {},
            .selected = out.predicted,
            .correct = out.correct,
            .judged = 0,
            .judged_correct = 0};
  }
  if (mlm_) {
    const models::MaskedLMLoss out = mlm_->loss(ids, labels);
    return {.prediction = out.loss,
            .detection = {},
            .selected = out.selected,
            .correct = out.correct,
            .judged = 0,
            .judged_correct = 0};
  }
  const models::ReplacedTokenLoss out = rtd_->loss(ids, labels, sampling, first_draw);
  return {.prediction = out.generator.loss,
          .detection = out.detection,
          .selected = out.generator.selected,
          .correct = out.generator.correct,
          .judged = out.positions,
          .judged_correct = out.correct};
}

data::MaskedTokens PretrainingModel::batch(const Tensor& ids, Generator& mask_gen) const {
  if (clm_) return {.ids = ids, .labels = {}};
  return data::mask_tokens(ids, config().vocab_size, mask_gen);
}

void PretrainingModel::save(const std::string& path) const {
  visit([&](const auto& model) { models::save_model(model, path); });
}

nn::Module& PretrainingModel::module() const {
  return visit([](auto& model) -> nn::Module& { return model; });
}

models::Trunk& PretrainingModel::trunk() const {
  return visit([](auto& model) -> models::Trunk& { return *model.trunk; });
}

const models::ModelConfig& PretrainingModel::config() const {
  return visit([](const auto& model) -> const models::ModelConfig& { return model.config(); });
}

}  // namespace sg::examples
