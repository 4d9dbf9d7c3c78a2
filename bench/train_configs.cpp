#include "bench/train_configs.h"

#include <fmt/format.h>

#include <charconv>

#include "bench/options.h"
#include "synthgrad/nn/attention/config.h"

namespace sg::bench {

const std::vector<TrainConfig>& train_configs() {
  static const std::vector<TrainConfig> configs{
      {"cls-small", false, 8192, 256, 4, 4, 64, 32},
      {"lm-char", true, 96, 256, 4, 4, 128, 32},
      {"long", false, 8192, 256, 4, 2, 512, 8},
      {"long-2k", false, 8192, 256, 4, 2, 2048, 2},
  };
  return configs;
}

TrainConfig train_config(const std::string& name) {
  const auto at = name.find('@');
  const std::string base = name.substr(0, at);
  for (TrainConfig c : train_configs()) {
    if (c.name != base) continue;
    if (at == std::string::npos) return c;
    int64_t length = 0;
    const std::string text = name.substr(at + 1);
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (error != std::errc() || end != text.data() + text.size() || length < 1 || length > c.length)
      throw UsageError(
          fmt::format("configuration '{}': the length after '@' must be 1 to {}", name, c.length));
    c.name = name;
    c.length = length;
    return c;
  }
  throw UsageError(fmt::format(
      "unknown configuration '{}' (cls-small, lm-char, long, long-2k, each with an optional "
      "@LENGTH below its own)",
      name));
}

models::ModelConfig model_config(const TrainConfig& c, const std::string& variant) {
  return {.vocab_size = c.vocab,
          .dim = c.dim,
          .heads = c.heads,
          .layers = c.layers,
          .max_length = c.length,
          .attention = variant,
          .dropout = 0.1f,
          .attention_dropout = 0.1f,
          .num_classes = 2,
          .tie_embeddings = true,
          .verbose = false};
}

namespace {

// Multiply-adds of one layer's forward pass for the whole batch when it computes the output of
// the first q positions of each example (q = L but in a classifier's last block, which computes
// position 0 alone): the value projection and the sources' key sides cover every position.
double layer_multiply_adds(const TrainConfig& c, const std::string& variant, double q) {
  const double L = static_cast<double>(c.length), d = static_cast<double>(c.dim),
               B = static_cast<double>(c.batch);
  const double h = static_cast<double>(c.heads);
  double layer = B * (L * d * d + q * d * d + 8 * q * d * d + q * L * d);  // V, output, FFN, P @ V
  const nn::AttentionConfig attention = model_config(c, variant).attention_config();
  for (nn::LogitKind kind : nn::parse_variant(variant)) {
    switch (kind) {
      case nn::LogitKind::dot_product: layer += B * (q * d * d + L * d * d + q * L * d); break;
      case nn::LogitKind::dense: layer += B * (q * d * d + q * d * L); break;
      case nn::LogitKind::factorized_dense: {
        const auto [a, b] = nn::factorized_dense_factors(attention);
        layer += B * (q * d * d + q * d * static_cast<double>(a + b) + h * q * L);
        break;
      }
      case nn::LogitKind::factorized_random:
        layer += h * q * L * static_cast<double>(attention.random_rank);
        break;
      case nn::LogitKind::random:
      case nn::LogitKind::random_fixed: break;
    }
  }
  return layer;
}

}  // namespace

double flops_per_step(const TrainConfig& c, const std::string& variant) {
  const double L = static_cast<double>(c.length), d = static_cast<double>(c.dim),
               B = static_cast<double>(c.batch);
  const double layers = static_cast<double>(c.layers);
  double forward = 0;
  if (c.language_model)
    forward = layers * layer_multiply_adds(c, variant, L) +
              B * L * d * static_cast<double>(c.vocab);  // tied output projection
  else  // the head reads position 0, which the last block computes alone
    forward =
        (layers - 1) * layer_multiply_adds(c, variant, L) + layer_multiply_adds(c, variant, 1);
  return 3.0 * 2.0 * forward;
}

}  // namespace sg::bench
