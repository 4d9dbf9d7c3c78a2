#include "synthgrad/models/masked_lm.h"

#include <cstdio>

#include "synthgrad/autograd/indexing.h"
#include "synthgrad/autograd/losses.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/reduce.h"

namespace sg::models {

MaskedLM::MaskedLM(const ModelConfig& config) : config_(config) {
  trunk = register_module("trunk", std::make_shared<Trunk>(config));
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
  const Tensor segments = config_.segments > 0 ? zeros(ids.shape(), DType::i64) : Tensor{};
  return trunk->forward(ids, segments, {.padding = padding, .causal = false});
}

Variable MaskedLM::forward(const Tensor& ids, const Tensor& padding) {
  return mlm_head->forward(hidden(ids, padding), trunk->tokens->weight);
}

MaskedLMLoss MaskedLM::loss(const Tensor& ids, const Tensor& labels, const Tensor& padding) {
  SG_CHECK(
      labels.defined() && labels.dtype() == DType::i64 && labels.shape() == ids.shape(),
      "MaskedLM::loss: labels must be i64 of the ids' shape {}, got {}", shape_str(ids.shape()),
      labels.defined() ? fmt::format("{} {}", dtype_name(labels.dtype()), shape_str(labels.shape()))
                       : "undefined");
  const CrossEntropyOptions options;
  std::vector<int64_t> rows, targets;
  const std::vector<int64_t> all = labels.contiguous().to_vector<int64_t>();
  for (size_t p = 0; p < all.size(); ++p) {
    if (all[p] == options.ignore_index) continue;
    SG_CHECK(all[p] >= 0 && all[p] < config_.vocab_size,
             "MaskedLM::loss: label {} at flat position {} is outside the vocabulary of {}", all[p],
             p, config_.vocab_size);
    rows.push_back(static_cast<int64_t>(p));
    targets.push_back(all[p]);
  }
  SG_CHECK(!rows.empty(), "MaskedLM::loss: no position of the {} labels is selected",
           shape_str(labels.shape()));
  const Variable h = hidden(ids, padding);
  // The selected rows of the [B * L, d] hidden states, picked the way an embedding picks rows.
  const Variable picked = embedding(reshape(h, {ids.numel(), config_.dim}), from_vector(rows));
  const Variable logits = mlm_head->forward(picked, trunk->tokens->weight);
  const std::vector<int64_t> predicted = argmax(logits.data(), 1).to_vector<int64_t>();
  MaskedLMLoss result{.loss = cross_entropy(logits, from_vector(targets)),
                      .selected = static_cast<int64_t>(rows.size())};
  for (size_t k = 0; k < rows.size(); ++k) result.correct += predicted[k] == targets[k];
  return result;
}

std::string MaskedLM::settings() const {
  return fmt::format("attention={}, layers={}, dim={}, heads={}, vocab={}", config_.attention,
                     config_.layers, config_.dim, config_.heads, config_.vocab_size);
}

}  // namespace sg::models
