#include "models/model_reference.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "nn/attention_reference.h"

namespace sg::testing {

namespace {

// Row `row` of a [rows, width] table.
const double* row_of(const Values& table, int64_t row, int64_t width) {
  REQUIRE((row + 1) * width <= static_cast<int64_t>(table.size()));
  return table.data() + row * width;
}

// tokens[id] + positions[t] (+ segments[segment]) for every token.
Values embed(const Params& params, const models::ModelConfig& config, const TokenBatch& input) {
  const int64_t d = config.dim;
  const Values& positions = params.count("positions.weight") ? params.at("positions.weight")
                                                             : params.at("positions.table");
  Values x(input.batch * input.length * d);
  for (int64_t b = 0; b < input.batch; ++b)
    for (int64_t t = 0; t < input.length; ++t) {
      const int64_t token = b * input.length + t;
      const double* tok = row_of(params.at("tokens.weight"), input.ids[token], d);
      const double* pos = row_of(positions, t, d);
      const double* seg = config.segments > 0
                              ? row_of(params.at("segments.weight"), input.segments[token], d)
                              : nullptr;
      for (int64_t i = 0; i < d; ++i) x[token * d + i] = tok[i] + pos[i] + (seg ? seg[i] : 0.0);
    }
  return x;
}

}  // namespace

Values trunk(const Params& params, const models::ModelConfig& config, const TokenBatch& input,
             bool causal, DropoutReplay* dropout) {
  Values x = dropped(embed(params, config, input), dropout);
  for (int64_t i = 0; i < config.layers; ++i) {
    const Params block = params_under(params, "blocks." + std::to_string(i));
    const ReferenceAttention attention{config.attention_config(), params_under(block, "mixer")};
    const Mixer mixer = [&](const Values& normed) {
      return attention.forward(normed, input.batch, input.length, input.padding, causal);
    };
    x = transformer_block(block, x, config.dim, mixer, dropout);
  }
  return layer_norm(params_under(params, "final_norm"), x, config.dim);
}

Values classifier_logits(const Params& params, const models::ModelConfig& config,
                         const TokenBatch& input, DropoutReplay* dropout) {
  const int64_t d = config.dim;
  const Values hidden = trunk(params_under(params, "trunk"), config, input, false, dropout);
  Values pooled(input.batch * d, 0.0);
  for (int64_t b = 0; b < input.batch; ++b) {
    if (config.pooling == "cls") {  // position 0 of each sequence
      std::copy_n(row_of(hidden, b * input.length, d), d, pooled.begin() + b * d);
      continue;
    }
    int64_t tokens = 0;
    for (int64_t t = 0; t < input.length; ++t) {
      if (!input.padding.empty() && input.padding[b * input.length + t]) continue;
      ++tokens;
      for (int64_t k = 0; k < d; ++k)
        pooled[b * d + k] += row_of(hidden, b * input.length + t, d)[k];
    }
    for (int64_t k = 0; k < d; ++k)
      pooled[b * d + k] /= static_cast<double>(std::max<int64_t>(tokens, 1));
  }
  return linear(params_under(params, "head"), pooled, d);
}

Values lm_logits(const Params& params, const models::ModelConfig& config, const TokenBatch& input,
                 DropoutReplay* dropout) {
  const Values hidden = trunk(params_under(params, "trunk"), config, input, true, dropout);
  if (!config.tie_embeddings) return linear(params_under(params, "output"), hidden, config.dim);
  // hidden E^T is a bias-free linear layer whose weight [V, d] is the token embedding E.
  return linear({{"weight", params.at("trunk.tokens.weight")}}, hidden, config.dim);
}

double next_token_loss(const Values& logits, const TokenBatch& input, int64_t vocab) {
  double total = 0;
  for (int64_t b = 0; b < input.batch; ++b)
    for (int64_t t = 0; t + 1 < input.length; ++t) {
      const double* row = row_of(logits, b * input.length + t, vocab);
      double peak = row[0], sum = 0;
      for (int64_t v = 1; v < vocab; ++v) peak = std::max(peak, row[v]);
      for (int64_t v = 0; v < vocab; ++v) sum += std::exp(row[v] - peak);
      const int64_t next = input.ids[b * input.length + t + 1];
      total += peak + std::log(sum) - row[next];
    }
  return total / static_cast<double>(input.batch * (input.length - 1));
}

}  // namespace sg::testing
