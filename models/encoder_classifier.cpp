#include "models/encoder_classifier.h"

#include <cstdio>

#include "autograd/shape_ops.h"

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

Variable EncoderClassifier::forward(const Tensor& ids, const Tensor& padding,
                                    const Tensor& segments) {
  check_token_ids(ids, config_.vocab_size, "EncoderClassifier");
  const Variable hidden = trunk->forward(ids, segments, {.padding = padding, .causal = false});
  return head->forward(select(hidden, 1, 0));
}

std::string EncoderClassifier::settings() const {
  return fmt::format("attention={}, layers={}, dim={}, heads={}, classes={}", config_.attention,
                     config_.layers, config_.dim, config_.heads, config_.num_classes);
}

}  // namespace sg::models
