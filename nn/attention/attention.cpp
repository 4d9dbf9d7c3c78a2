#include "synthgrad/nn/attention/attention.h"

#include <limits>

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/fused_attention.h"
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/autograd/softmax.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/elementwise.h"
#include "synthgrad/core/indexing.h"
#include "synthgrad/core/softmax.h"
#include "synthgrad/nn/attention/heads.h"

namespace sg::nn {

namespace {
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

void check_padding(const AttentionMask& mask, int64_t batch, int64_t length) {
  SG_CHECK(!mask.padding.defined() || (mask.padding.dtype() == DType::b8 &&
                                       mask.padding.shape() == Shape({batch, length})),
           "attention mask: padding must be b8 of shape [{}, {}], got {} {}", batch, length,
           dtype_name(mask.padding.dtype()), shape_str(mask.padding.shape()));
}

}  // namespace

std::shared_ptr<AttentionLogits> make_logits(LogitKind kind, const AttentionConfig& c,
                                             Generator& gen) {
  switch (kind) {
    case LogitKind::dot_product: return std::make_shared<DotProductLogits>(c, gen);
    case LogitKind::dense: return std::make_shared<DenseLogits>(c, gen);
    case LogitKind::random: return std::make_shared<RandomLogits>(c, gen, true);
    case LogitKind::random_fixed: return std::make_shared<RandomLogits>(c, gen, false);
    case LogitKind::factorized_dense: return std::make_shared<FactorizedDenseLogits>(c, gen);
    case LogitKind::factorized_random: return std::make_shared<FactorizedRandomLogits>(c, gen);
  }
  fail("make_logits: unknown kind");
}

Attention::Attention(const AttentionConfig& config, Generator& init_gen,
                     std::shared_ptr<Generator> dropout_gen)
    : config_(config) {
  validate(config);
  SG_CHECK(config.dropout == 0.0f || dropout_gen != nullptr,
           "Attention ({}): attention dropout {} needs a dropout generator (the third argument)",
           config.variant, config.dropout);
  const auto kinds = parse_variant(config.variant);
  for (LogitKind kind : kinds)
    sources.push_back(register_module(logit_kind_name(kind), make_logits(kind, config, init_gen)));
  if (kinds.size() > 1)
    mix = register_parameter("mix", zeros({static_cast<int64_t>(kinds.size())}));
  value = register_module("value", std::make_shared<Linear>(config.dim, config.dim, init_gen));
  output = register_module("output", std::make_shared<Linear>(config.dim, config.dim, init_gen));
  dropout_ =
      register_module("dropout", std::make_shared<Dropout>(config.dropout, std::move(dropout_gen)));
}

std::string Attention::settings() const {
  return fmt::format("variant={}, dim={}, heads={}, max_length={}", config_.variant, config_.dim,
                     config_.heads, config_.max_length);
}

Tensor Attention::mixing_weights() const {
  return mix.defined() ? softmax(mix.data(), 0) : ones({1});
}

Variable Attention::mixing_alpha() const {
  return mix.defined() ? softmax(mix, 0) : Variable();
}

Variable Attention::mixed_logits(const Variable& x, const Variable& alpha, bool without_dot_product,
                                 int64_t queries) {
  Variable sum;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (without_dot_product && dynamic_cast<const DotProductLogits*>(sources[i].get())) continue;
    Variable s = sources[i]->forward_queries(x, queries);
    if (alpha.defined()) s = select(alpha, 0, static_cast<int64_t>(i)) * s;
    sum = sum.defined() ? sum + s : s;
  }
  return sum;
}

void Attention::check_input(const Variable& x, const AttentionMask& mask) const {
  SG_CHECK(x.dim() == 3 && x.size(2) == config_.dim,
           "Attention ({}): input of shape {} is not [batch, length, {}]", config_.variant,
           shape_str(x.shape()), config_.dim);
  SG_CHECK(x.size(1) <= config_.max_length,
           "Attention ({}): sequence length {} exceeds the layer's maximum length {}",
           config_.variant, x.size(1), config_.max_length);
  check_padding(mask, x.size(0), x.size(1));
}

Variable Attention::forward(const Variable& x, const AttentionMask& mask) {
  check_input(x, mask);
  return fused_ && !keep_weights_ ? forward_fused(x, mask) : forward_unfused(x, mask, x.size(1));
}

Variable Attention::forward_first(const Variable& x, const AttentionMask& mask) {
  if (keep_weights_) return TokenMixer::forward_first(x, mask);  // forward keeps P
  check_input(x, mask);
  return forward_unfused(x, mask, 1);
}

// The sources enter the fused op apart: the dot-product source as its projections (its mixing
// weight folded into the queries), the synthetic ones summed into one logits tensor, shared by the
// batch when none of them reads the input.
Variable Attention::forward_fused(const Variable& x, const AttentionMask& mask) {
  const Variable alpha = mixing_alpha();
  Variable query, key;
  float scale = 1.0f;
  for (size_t i = 0; i < sources.size(); ++i)
    if (const auto* dot = dynamic_cast<const DotProductLogits*>(sources[i].get())) {
      scale = dot->scale();
      query = dot->query->forward(x);
      key = dot->key->forward(x);
      if (alpha.defined()) query = select(alpha, 0, static_cast<int64_t>(i)) * query;
    }
  const Variable logits = mixed_logits(x, alpha, true, x.size(1));
  const bool drop = is_training() && dropout_->p() > 0.0f;
  FusedAttentionOptions options{.heads = config_.heads,
                                .scale = scale,
                                .padding = mask.padding,
                                .causal = mask.causal,
                                .dropout = drop ? dropout_->p() : 0.0f,
                                .generator = dropout_->generator()};
  return output->forward(fused_attention(query, key, value->forward(x), logits, options));
}

Variable Attention::forward_unfused(const Variable& x, const AttentionMask& mask, int64_t queries) {
  const int64_t batch = x.size(0), length = x.size(1);
  Variable logits = mixed_logits(x, mixing_alpha(), false, queries);
  const Tensor additive = additive_attention_mask(mask, batch, length, queries);
  if (additive.defined()) {
    const Shape full = broadcast_shapes(logits.shape(), additive.shape(), "Attention");
    if (full != logits.shape()) logits = expand(logits, full);  // a view: no per-example copies
  }
  Variable probs = softmax(logits, -1, additive);
  const Shape full{batch, config_.heads, queries, length};
  if (keep_weights_) last_weights_ = probs.data().expand(full).contiguous();
  // Input-blind logits (R, FR without padding) give probabilities without a batch axis; dropout
  // must still draw an independent mask per example.
  if (is_training() && config_.dropout > 0.0f && probs.shape() != full) probs = expand(probs, full);
  probs = dropout_->forward(probs);
  const Variable values = split_heads(value->forward(x), config_.heads);
  return output->forward(merge_heads(matmul(probs, values)));
}

Tensor additive_attention_mask(const AttentionMask& mask, int64_t batch, int64_t length,
                               int64_t queries) {
  check_padding(mask, batch, length);
  Tensor additive;
  if (mask.padding.defined()) {
    additive = masked_fill(zeros({batch, 1, 1, length}),
                           mask.padding.reshape({batch, 1, 1, length}), kMinusInf);
  }
  if (mask.causal) {
    const Tensor keys = arange(length, DType::i64).to(DType::f32);
    const Tensor future =
        gt(keys.reshape({1, length}), keys.narrow(0, 0, queries).reshape({queries, 1}));
    const Tensor causal = masked_fill(zeros({1, 1, queries, length}),
                                      future.reshape({1, 1, queries, length}), kMinusInf);
    additive = additive.defined() ? add(additive, causal) : causal;
  }
  return additive;
}

}  // namespace sg::nn
