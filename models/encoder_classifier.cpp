#include "models/encoder_classifier.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "autograd/arithmetic.h"
#include "autograd/indexing.h"
#include "autograd/reductions.h"
#include "autograd/shape_ops.h"
#include "core/core.h"

namespace sg::models {

EncoderClassifier::EncoderClassifier(const ModelConfig& config) : config_(config) {
  trunk = register_module("trunk", std::make_shared<Trunk>(config));
  Generator head_init(config.seed + 2);
  head = register_module("head",
                         std::make_shared<nn::Linear>(config.dim, config.num_classes, head_init));
  if (config.verbose)
    std::fprintf(stderr, "EncoderClassifier: %lld layers of %s attention, %lld parameters\n",
                 static_cast<long long>(config.layers), config.attention.c_str(),
                 static_cast<long long>(parameter_count()));
}

Variable mean_over_tokens(const Variable& hidden, const Tensor& padding) {
  if (!padding.defined()) return mean(hidden, {1});
  const int64_t batch = hidden.shape()[0], length = hidden.shape()[1];
  std::vector<float> counts(static_cast<size_t>(batch), 0.0f);
  const Tensor pad = padding.contiguous();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < length; ++t) counts[b] += pad.data<uint8_t>()[b * length + t] ? 0 : 1;
  // An all-padding row has no token to average: it pools to zeros rather than 0 / 0.
  for (float& c : counts) c = std::max(c, 1.0f);
  const Variable summed = sum(masked_fill(hidden, padding.reshape({batch, length, 1}), 0.0f), {1});
  return div(summed, Variable(from_vector(counts, {batch, 1})));
}

Variable EncoderClassifier::forward(const Tensor& ids, const Tensor& padding,
                                    const Tensor& segments) {
  check_token_ids(ids, config_.vocab_size, "EncoderClassifier");
  const Variable hidden = trunk->forward(ids, segments, {.padding = padding, .causal = false});
  if (config_.pooling == "mean") return head->forward(mean_over_tokens(hidden, padding));
  return head->forward(select(hidden, 1, 0));
}

std::string EncoderClassifier::settings() const {
  return fmt::format("attention={}, layers={}, dim={}, heads={}, classes={}, pooling={}",
                     config_.attention, config_.layers, config_.dim, config_.heads,
                     config_.num_classes, config_.pooling);
}

}  // namespace sg::models
