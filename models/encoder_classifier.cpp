#include "synthgrad/models/encoder_classifier.h"

#include <cmath>
#include <cstdio>
#include <vector>

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/grad_mode.h"
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/autograd/softmax.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/layer_mix.h"
#include "synthgrad/models/surprisal_features.h"
#include "synthgrad/nn/attention/heads.h"

namespace sg::models {

EncoderClassifier::EncoderClassifier(const ModelConfig& config) : config_(config) {
  trunk = register_module("trunk", std::make_shared<Trunk>(config, "EncoderClassifier"));
  Generator head_init(config.seed + 2);
  head = register_module("head", std::make_shared<nn::Linear>(config.pooled_features(),
                                                              config.num_classes, head_init));
  if (config.layer_mix) {
    layer_mix_logits = register_parameter("layer_mix_logits", zeros({config.layers + 1}));
    layer_mix_scale = register_parameter("layer_mix_scale", ones({1}));
  }
  if (config.pooling == "surprisal") {
    surprisal_shift = register_buffer("surprisal_shift", zeros({kSurprisalFeatures}));
    surprisal_scale = register_buffer("surprisal_scale", ones({kSurprisalFeatures}));
  }
  if (config.verbose)
    std::fprintf(stderr, "EncoderClassifier: %lld layers of %s attention, %lld parameters\n",
                 static_cast<long long>(config.layers), config.attention.c_str(),
                 static_cast<long long>(parameter_count()));
}

namespace {

// Weights [B, 1, L] that average, per example, the positions by `weight(b, t)` (0 leaves a
// position out; an example with no weight gets zeros rather than 0 / 0).
template <class Weight>
Tensor averaging_weights(int64_t batch, int64_t length, const Weight& weight) {
  std::vector<float> weights(static_cast<size_t>(batch * length), 0.0f);
  for (int64_t b = 0; b < batch; ++b) {
    float* row = weights.data() + b * length;
    float total = 0.0f;
    for (int64_t t = 0; t < length; ++t) total += row[t] = weight(b, t);
    if (total > 0.0f)
      for (int64_t t = 0; t < length; ++t) row[t] /= total;
  }
  return from_vector(weights, {batch, 1, length});
}

// weights [B, 1, L] @ hidden [B, L, D] as one batched GEMM: [B, D], with no [B, L, D] product
// written out.
Variable weighted_sum_over_tokens(const Variable& hidden, const Tensor& weights) {
  return reshape(matmul(Variable(weights), hidden), {hidden.shape()[0], hidden.shape()[2]});
}

// Element (b, t) of an optional [B, L] tensor of type T, or `absent` when it is undefined.
template <class T>
auto element_of(const Tensor& t, T absent) {
  const Tensor c = t.defined() ? t.contiguous() : t;
  return [c, absent](int64_t b, int64_t l, int64_t length) {
    return c.defined() ? c.data<T>()[b * length + l] : absent;
  };
}

// Each optional [B, L] tensor beside hidden [B, L, D] is read per position: a wrong shape would
// be read out of bounds.
void check_pooling_inputs(const char* op, const Variable& hidden, const Tensor& padding,
                          const Tensor& segments, const Tensor& weights) {
  SG_CHECK(hidden.dim() == 3, "{}: hidden states must be [batch, length, dim], got {}", op,
           shape_str(hidden.shape()));
  const Shape positions{hidden.shape()[0], hidden.shape()[1]};
  const auto check = [&](const Tensor& t, DType dtype, const char* what) {
    SG_CHECK(!t.defined() || (t.dtype() == dtype && t.shape() == positions),
             "{}: {} must be {} {} for hidden {}, got {}", op, what, dtype_name(dtype),
             shape_str(positions), shape_str(hidden.shape()), describe(t));
  };
  check(padding, DType::b8, "the padding mask");
  check(segments, DType::i64, "segment ids");
  check(weights, DType::f32, "position weights");
}

// Weights [B, 1, L] that average, per example, the non-padding positions of segment `id` by
// `weights` (as averaging_weights: an example without such a position gets zeros).
Tensor segment_averaging(const Variable& hidden, const Tensor& padding, const Tensor& segments,
                         const Tensor& weights, int64_t id) {
  const int64_t length = hidden.shape()[1];
  const auto pad = element_of<uint8_t>(padding, 0);
  const auto segment = element_of<int64_t>(segments, 0);
  const auto weight = element_of<float>(weights, 1.0f);
  return averaging_weights(hidden.shape()[0], length, [&](int64_t b, int64_t t) {
    const bool in = pad(b, t, length) == 0 && segment(b, t, length) == id;
    return in ? weight(b, t, length) : 0.0f;
  });
}

// The weight of every position of ids [B, L] by its token in `token_weights` [V]: [B, L].
Tensor weights_of_tokens(const Tensor& token_weights, const Tensor& ids) {
  const Tensor table = token_weights.contiguous();
  const Tensor positions = ids.to(DType::i64).contiguous();
  std::vector<float> out(static_cast<size_t>(ids.numel()));
  for (size_t p = 0; p < out.size(); ++p)
    out[p] = table.data<float>()[positions.data<int64_t>()[p]];
  return from_vector(out, ids.shape());
}

}  // namespace

Variable mean_over_tokens(const Variable& hidden, const Tensor& padding, const Tensor& weights) {
  check_pooling_inputs("mean_over_tokens", hidden, padding, {}, weights);
  const int64_t batch = hidden.shape()[0], length = hidden.shape()[1];
  const auto pad = element_of<uint8_t>(padding, 0);
  const auto weight = element_of<float>(weights, 1.0f);
  return weighted_sum_over_tokens(hidden,
                                  averaging_weights(batch, length, [&](int64_t b, int64_t t) {
                                    return pad(b, t, length) == 0 ? weight(b, t, length) : 0.0f;
                                  }));
}

Variable sentence_pair_features(const Variable& hidden, const Tensor& padding,
                                const Tensor& segments, const Tensor& weights) {
  SG_CHECK(segments.defined(), "sentence_pair_features: no segment ids for hidden {}",
           shape_str(hidden.shape()));
  check_pooling_inputs("sentence_pair_features", hidden, padding, segments, weights);
  const auto mean_of_segment = [&](int64_t id) {
    return weighted_sum_over_tokens(hidden,
                                    segment_averaging(hidden, padding, segments, weights, id));
  };
  const Variable u = mean_of_segment(0), v = mean_of_segment(1);
  const Variable difference = sub(u, v);
  return concat({u, v, mul(difference, difference), mul(u, v)}, 1);
}

Variable aligned_pair_features(const Variable& hidden, const Tensor& padding,
                               const Tensor& segments, const Tensor& weights) {
  const Variable pair = sentence_pair_features(hidden, padding, segments, weights);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hidden.shape()[2]));
  // Every position attends to the premise's positions only: those its averaging leaves out are
  // masked.
  const Tensor not_premise = eq(segment_averaging(hidden, padding, segments, {}, 0), scalar(0.0f));
  const Variable premise_summary =
      matmul(softmax(matmul(hidden, transpose(hidden, 1, 2), scale), 2, not_premise), hidden);
  const Variable difference = sub(hidden, premise_summary);
  const Variable compared = concat({mul(difference, difference), mul(hidden, premise_summary)}, 2);
  return concat({pair, weighted_sum_over_tokens(
                           compared, segment_averaging(hidden, padding, segments, weights, 1))},
                1);
}

Variable EncoderClassifier::forward(const Tensor& ids, const Tensor& padding,
                                    const Tensor& segments) {
  check_token_ids(ids, config_.vocab_size, "EncoderClassifier");
  // Surprisals are the trunk's own next-token predictions, which only a causal trunk makes.
  const bool causal = config_.pooling == "surprisal";
  // A head on the [CLS] state reads the first position alone, and the trunk computes no more.
  const bool cls = config_.pooling == "cls";
  std::vector<Variable> layers;
  const Variable last = trunk->forward(ids, segments, {.padding = padding, .causal = causal},
                                       config_.layer_mix ? &layers : nullptr,
                                       cls ? nn::OutputPositions::first : nn::OutputPositions::all);
  if (cls)  // the mix is per position: mixing the first positions is the first of the mix
    for (Variable& state : layers) state = nn::first_positions(state, 1);
  const Variable hidden =
      config_.layer_mix ? scalar_mix(layers, layer_mix_logits, layer_mix_scale) : last;
  if (cls) return head->forward(select(hidden, 1, 0));
  const Tensor weights =
      trunk->token_weights.defined() ? weights_of_tokens(trunk->token_weights, ids) : Tensor{};
  if (config_.pooling == "mean") return head->forward(mean_over_tokens(hidden, padding, weights));
  if (causal) {
    const Variable features =
        surprisal_features(last, trunk->tied_output(), ids, padding, trunk->token_weights);
    const Variable standardized =
        mul(sub(features, Variable(surprisal_shift)), Variable(surprisal_scale));
    return head->forward(concat({mean_over_tokens(hidden, padding, weights), standardized}, 1));
  }
  // The trunk takes i32 or i64 segment ids; the pair features read them as i64.
  const Tensor segment_ids = segments.defined() ? segments.to(DType::i64) : segments;
  if (config_.pooling == "align")
    return head->forward(aligned_pair_features(hidden, padding, segment_ids, weights));
  return head->forward(sentence_pair_features(hidden, padding, segment_ids, weights));
}

Tensor EncoderClassifier::raw_surprisal_features(const Tensor& ids, const Tensor& padding,
                                                 const Tensor& segments) {
  SG_CHECK(config_.pooling == "surprisal",
           "EncoderClassifier::raw_surprisal_features: the model pools by '{}', not surprisal",
           config_.pooling);
  check_token_ids(ids, config_.vocab_size, "EncoderClassifier");
  NoGradGuard no_grad;
  const Variable hidden = trunk->forward(ids, segments, {.padding = padding, .causal = true});
  return surprisal_features(hidden, trunk->tied_output(), ids, padding, trunk->token_weights)
      .data();
}

std::string EncoderClassifier::settings() const {
  return fmt::format("attention={}, layers={}, dim={}, heads={}, classes={}, pooling={}{}",
                     config_.attention, config_.layers, config_.dim, config_.heads,
                     config_.num_classes, config_.pooling, config_.layer_mix ? ", layer_mix" : "");
}

}  // namespace sg::models
