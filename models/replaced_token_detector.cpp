#include "synthgrad/models/replaced_token_detector.h"

#include <cstdio>

#include "synthgrad/autograd/losses.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/attention/attention.h"

namespace sg::models {

ReplacedTokenDetector::ReplacedTokenDetector(const ModelConfig& config) : config_(config) {
  trunk = register_module("trunk", std::make_shared<Trunk>(config, "ReplacedTokenDetector"));
  Generator init(config.seed + 3);
  const auto mixer = std::make_shared<nn::Attention>(config.attention_config(), init,
                                                     trunk->shared_dropout_generator());
  generator = register_module("generator", std::make_shared<nn::TransformerBlock>(
                                               mixer, config.dim, config.hidden(), config.dropout,
                                               init, trunk->shared_dropout_generator()));
  generator_norm = register_module("generator_norm", std::make_shared<nn::LayerNorm>(config.dim));
  mlm_head =
      register_module("mlm_head", std::make_shared<MlmHead>(config.dim, config.vocab_size, init));
  detection_head =
      register_module("detection_head", std::make_shared<nn::Linear>(config.dim, 2, init));
  if (config.verbose)
    std::fprintf(stderr, "ReplacedTokenDetector: %lld layers of %s attention, %lld parameters\n",
                 static_cast<long long>(config.layers), config.attention.c_str(),
                 static_cast<long long>(parameter_count()));
}

std::vector<int64_t> sample_from_logits(const Tensor& logits, const std::vector<int64_t>& positions,
                                        const Generator& sampling, uint64_t first_draw) {
  SG_CHECK(logits.dtype() == DType::f32 && logits.dim() == 2 &&
               logits.size(0) == static_cast<int64_t>(positions.size()) && logits.size(1) > 0,
           "sample_from_logits: logits must be f32 [{}, V], got {} {}", positions.size(),
           dtype_name(logits.dtype()), shape_str(logits.shape()));
  const Tensor c = logits.contiguous();
  const int64_t rows = c.size(0), vocab = c.size(1);
  std::vector<int64_t> ids(static_cast<size_t>(rows));
  parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k)
      ids[k] = sample_softmax(
          {c.data<float>() + k * vocab, static_cast<size_t>(vocab)},
          bits_to_uniform(sampling.bits_at(first_draw + static_cast<uint64_t>(positions[k]))));
  });
  return ids;
}

ReplacedTokenLoss ReplacedTokenDetector::loss(const Tensor& ids, const Tensor& labels,
                                              const Generator& sampling, uint64_t first_draw) {
  check_token_ids(ids, config_.vocab_size, "ReplacedTokenDetector::loss");
  const Tensor segments = single_segment(config_, ids);
  const nn::AttentionMask mask{.padding = {}, .causal = false};
  const Variable generated =
      generator_norm->forward(generator->forward(trunk->embed(ids, segments), mask));
  ReplacedTokenLoss result;
  result.generator = masked_lm_loss(*mlm_head, trunk->tokens->weight, generated, labels,
                                    "ReplacedTokenDetector::loss");
  const std::vector<int64_t> samples = sample_from_logits(
      result.generator.logits.data(), result.generator.positions, sampling, first_draw);
  std::vector<int64_t> judged = ids.to(DType::i64).to_vector<int64_t>();
  std::vector<int64_t> replaced(judged.size(), 0);
  for (size_t k = 0; k < samples.size(); ++k) {
    const auto p = static_cast<size_t>(result.generator.positions[k]);
    judged[p] = samples[k];
    replaced[p] = samples[k] != result.generator.targets[k];
  }
  result.judged = from_vector(judged, ids.shape());
  const Variable hidden = trunk->forward(result.judged, segments, mask);
  const Variable logits = detection_head->forward(reshape(hidden, {ids.numel(), config_.dim}));
  result.detection = cross_entropy(logits, from_vector(replaced));
  result.positions = ids.numel();
  const std::vector<int64_t> predicted = argmax(logits.data(), 1).to_vector<int64_t>();
  for (size_t p = 0; p < replaced.size(); ++p) {
    result.replaced += replaced[p];
    result.correct += predicted[p] == replaced[p];
  }
  return result;
}

std::string ReplacedTokenDetector::settings() const {
  return trunk_settings(config_);
}

}  // namespace sg::models
