#include "synthgrad/models/masked_lm.h"

#include <cstdio>

#include "synthgrad/autograd/indexing.h"
#include "synthgrad/autograd/losses.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/reduce.h"

namespace sg::models {

MaskedLM::MaskedLM(const ModelConfig& config) : config_(config) {
  trunk = register_module("trunk", std::make_shared<Trunk>(config, "MaskedLM"));
  Generator head_init(config.seed + 2);
  mlm_head = register_module("mlm_head",
                             std::make_shared<MlmHead>(config.dim, config.vocab_size, head_init));
  if (config.verbose)
    std::fprintf(stderr, "MaskedLM: %lld layers of %s attention, %lld parameters\n",
                 static_cast<long long>(config.layers), config.attention.c_str(),
                 static_cast<long long>(parameter_count()));
}

Variable MaskedLM::hidden(const Tensor& ids, const Tensor& padding) {
  check_token_ids(ids, config_.vocab_size, "MaskedLM");
  return trunk->forward(ids, single_segment(config_, ids), {.padding = padding, .causal = false});
}

Variable MaskedLM::forward(const Tensor& ids, const Tensor& padding) {
  return mlm_head->forward(hidden(ids, padding), trunk->tokens->weight);
}

MaskedLMLoss masked_lm_loss(MlmHead& head, const Variable& output_embedding, const Variable& hidden,
                            const Tensor& labels, const char* op) {
  const int64_t vocab_size = output_embedding.shape()[0], dim = output_embedding.shape()[1];
  const bool fits = labels.defined() && labels.dtype() == DType::i64 && labels.dim() == 2 &&
                    hidden.shape() == Shape{labels.size(0), labels.size(1), dim};
  SG_CHECK(fits, "{}: labels must be i64 [B, L] for hidden states {}, got {}", op,
           shape_str(hidden.shape()),
           labels.defined()
               ? fmt::format("{} {}", dtype_name(labels.dtype()), shape_str(labels.shape()))
               : "undefined");
  const CrossEntropyOptions options;
  MaskedLMLoss result;
  const std::vector<int64_t> all = labels.contiguous().to_vector<int64_t>();
  for (size_t p = 0; p < all.size(); ++p) {
    if (all[p] == options.ignore_index) continue;
    SG_CHECK(all[p] >= 0 && all[p] < vocab_size,
             "{}: label {} at flat position {} is outside the vocabulary of {}", op, all[p], p,
             vocab_size);
    result.positions.push_back(static_cast<int64_t>(p));
    result.targets.push_back(all[p]);
  }
  SG_CHECK(!result.targets.empty(), "{}: no position of the {} labels is selected", op,
           shape_str(labels.shape()));
  // The selected rows of the [B * L, d] hidden states, picked the way an embedding picks rows.
  const Variable picked =
      embedding(reshape(hidden, {labels.numel(), dim}), from_vector(result.positions));
  result.logits = head.forward(picked, output_embedding);
  const std::vector<int64_t> predicted = argmax(result.logits.data(), 1).to_vector<int64_t>();
  result.loss = cross_entropy(result.logits, from_vector(result.targets));
  result.selected = static_cast<int64_t>(result.targets.size());
  for (size_t k = 0; k < predicted.size(); ++k) result.correct += predicted[k] == result.targets[k];
  return result;
}

MaskedLMLoss MaskedLM::loss(const Tensor& ids, const Tensor& labels, const Tensor& padding) {
  SG_CHECK(
      labels.defined() && labels.dtype() == DType::i64 && labels.shape() == ids.shape(),
      "MaskedLM::loss: labels must be i64 of the ids' shape {}, got {}", shape_str(ids.shape()),
      labels.defined() ? fmt::format("{} {}", dtype_name(labels.dtype()), shape_str(labels.shape()))
                       : "undefined");
  return masked_lm_loss(*mlm_head, trunk->tokens->weight, hidden(ids, padding), labels,
                        "MaskedLM::loss");
}

std::string MaskedLM::settings() const {
  return trunk_settings(config_);
}

}  // namespace sg::models
