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

bool is_padding(const TokenBatch& input, int64_t token) {
  return !input.padding.empty() && input.padding[token];
}

// For pooling "align": each hypothesis (segment 1) position j attends over the premise
// (segment 0) positions i with softmax weights of h_j . h_i / sqrt(d); with a_j that summary,
// the mean over j of [(h_j - a_j)^2, h_j * a_j].
std::vector<double> aligned_hypothesis_mean(const Values& hidden, const TokenBatch& input,
                                            int64_t b, int64_t d) {
  const auto in_segment = [&](int64_t t, int64_t id) {
    const int64_t token = b * input.length + t;
    return !is_padding(input, token) && input.segments[token] == id;
  };
  std::vector<double> sum(2 * d, 0.0);
  int64_t count = 0;
  for (int64_t j = 0; j < input.length; ++j) {
    if (!in_segment(j, 1)) continue;
    const double* h = row_of(hidden, b * input.length + j, d);
    std::vector<double> weight(input.length, 0.0);
    double peak = -INFINITY, total = 0.0;
    for (int64_t i = 0; i < input.length; ++i) {
      if (!in_segment(i, 0)) continue;
      const double* hi = row_of(hidden, b * input.length + i, d);
      for (int64_t k = 0; k < d; ++k) weight[i] += h[k] * hi[k] / std::sqrt(double(d));
      peak = std::max(peak, weight[i]);
    }
    std::vector<double> a(d, 0.0);
    for (int64_t i = 0; i < input.length; ++i)
      if (in_segment(i, 0)) total += weight[i] = std::exp(weight[i] - peak);
    for (int64_t i = 0; i < input.length; ++i)
      if (in_segment(i, 0))
        for (int64_t k = 0; k < d; ++k)
          a[k] += weight[i] / total * row_of(hidden, b * input.length + i, d)[k];
    for (int64_t k = 0; k < d; ++k) {
      sum[k] += (h[k] - a[k]) * (h[k] - a[k]);
      sum[d + k] += h[k] * a[k];
    }
    ++count;
  }
  for (double& x : sum) x /= static_cast<double>(std::max<int64_t>(count, 1));
  return sum;
}

}  // namespace

Values trunk(const Params& params, const models::ModelConfig& config, const TokenBatch& input,
             bool causal, DropoutReplay* dropout, bool first_position_only) {
  Values x = dropped(embed(params, config, input), dropout);
  std::vector<int64_t> first_positions;
  for (int64_t b = 0; b < input.batch; ++b) first_positions.push_back(b * input.length);
  if (config.layers == 0 && first_position_only)
    return gather_rows(layer_norm(params_under(params, "final_norm"), x, config.dim),
                       first_positions, config.dim);
  for (int64_t i = 0; i < config.layers; ++i) {
    const Params block = params_under(params, "blocks." + std::to_string(i));
    const ReferenceAttention attention{config.attention_config(), params_under(block, "mixer")};
    const Mixer mixer = [&](const Values& normed) {
      return attention.forward(normed, input.batch, input.length, input.padding, causal);
    };
    const bool last = i + 1 == config.layers;
    x = transformer_block(block, x, config.dim, mixer, dropout,
                          last && first_position_only ? first_positions : std::vector<int64_t>{});
  }
  return layer_norm(params_under(params, "final_norm"), x, config.dim);
}

Values classifier_logits(const Params& params, const models::ModelConfig& config,
                         const TokenBatch& input, DropoutReplay* dropout) {
  const int64_t d = config.dim;
  const bool cls = config.pooling == "cls";  // the trunk then computes position 0 alone
  const Values hidden = trunk(params_under(params, "trunk"), config, input, false, dropout, cls);
  // The mean over the positions of example b where keep(t) holds.
  const auto mean_where = [&](int64_t b, const auto& keep) {
    std::vector<double> mean(d, 0.0);
    int64_t count = 0;
    for (int64_t t = 0; t < input.length; ++t) {
      if (is_padding(input, b * input.length + t)) continue;
      if (!keep(t)) continue;
      ++count;
      for (int64_t k = 0; k < d; ++k) mean[k] += row_of(hidden, b * input.length + t, d)[k];
    }
    for (double& x : mean) x /= static_cast<double>(std::max<int64_t>(count, 1));
    return mean;
  };
  const int64_t features = config.pooling == "pair" ? 4 * d : config.pooling == "align" ? 6 * d : d;
  Values pooled;
  for (int64_t b = 0; b < input.batch; ++b) {
    if (cls) {  // position 0 of each sequence, the only one computed
      pooled.insert(pooled.end(), row_of(hidden, b, d), row_of(hidden, b, d) + d);
    } else if (config.pooling == "mean") {
      const auto mean = mean_where(b, [](int64_t) { return true; });
      pooled.insert(pooled.end(), mean.begin(), mean.end());
    } else {  // pair: [u, v, (u - v)^2, u * v]; align appends the aligned hypothesis mean
      const auto segment_is = [&](int64_t id) {
        return [&, id](int64_t t) { return input.segments[b * input.length + t] == id; };
      };
      const auto u = mean_where(b, segment_is(0)), v = mean_where(b, segment_is(1));
      pooled.insert(pooled.end(), u.begin(), u.end());
      pooled.insert(pooled.end(), v.begin(), v.end());
      for (int64_t k = 0; k < d; ++k) pooled.push_back((u[k] - v[k]) * (u[k] - v[k]));
      for (int64_t k = 0; k < d; ++k) pooled.push_back(u[k] * v[k]);
      if (config.pooling == "align") {
        const auto compared = aligned_hypothesis_mean(hidden, input, b, d);
        pooled.insert(pooled.end(), compared.begin(), compared.end());
      }
    }
  }
  return linear(params_under(params, "head"), pooled, features);
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
