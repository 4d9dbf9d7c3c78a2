#include "synthgrad/models/causal_lm.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/grad_mode.h"
#include "synthgrad/autograd/losses.h"
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/reductions.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/reduce.h"

namespace sg::models {

CausalLM::CausalLM(const ModelConfig& config) : config_(config) {
  trunk = register_module("trunk", std::make_shared<Trunk>(config, "CausalLM"));
  if (!config.tie_embeddings) {
    Generator init(config.seed + 2);
    output = register_module(
        "output", std::make_shared<nn::Linear>(config.dim, config.vocab_size, init, false));
  }
  if (config.verbose)
    std::fprintf(stderr, "CausalLM: %lld layers of %s attention, %lld parameters\n",
                 static_cast<long long>(config.layers), config.attention.c_str(),
                 static_cast<long long>(parameter_count()));
}

Variable CausalLM::hidden_states(const Tensor& ids) {
  check_token_ids(ids, config_.vocab_size, "CausalLM");
  // A trunk with segment embeddings (pre-trained for pair tasks to fine-tune) reads one segment.
  return trunk->forward(ids, single_segment(config_, ids), {.padding = {}, .causal = true});
}

Variable CausalLM::forward(const Tensor& ids) {
  const Variable hidden = hidden_states(ids);
  if (output) return output->forward(hidden);
  if (config_.softmax_cutoffs.empty())
    return matmul(hidden, transpose(trunk->tokens->weight, 0, 1));
  // Log-probabilities are logits too: their softmax is the distribution itself.
  const Shape& shape = hidden.shape();
  const Variable log_probs = nn::token_log_probabilities(
      trunk->tied_output(), reshape(hidden, {shape[0] * shape[1], shape[2]}));
  return reshape(log_probs, {shape[0], shape[1], config_.vocab_size});
}

CausalLM::NextTokens CausalLM::next_tokens(const Tensor& ids) {
  // A batch of no sequences has no mean loss (it came out as 0, a perfect score).
  // All of them, the last column included: forward sees only the inputs, and a target that the
  // loss alone reads would meet cross_entropy's ignore index (-100 skipped without a word).
  check_token_ids(ids, config_.vocab_size, "CausalLM::loss");
  SG_CHECK(ids.size(0) >= 1 && ids.size(1) >= 2,
           "CausalLM::loss: need [batch >= 1, length >= 2] ids, got {}", shape_str(ids.shape()));
  const int64_t length = ids.size(1) - 1;
  return {.inputs = ids.narrow(1, 0, length).contiguous(),
          .targets = ids.narrow(1, 1, length).contiguous()};
}

Variable CausalLM::loss(const Tensor& ids) {
  const NextTokens next = next_tokens(ids);
  if (config_.softmax_cutoffs.empty()) return cross_entropy(forward(next.inputs), next.targets);
  // Only the next tokens' clusters: the whole distribution is what a clustered softmax saves.
  const Variable hidden = hidden_states(next.inputs);
  const int64_t rows = next.targets.numel();
  const Variable log_likelihood = nn::token_log_likelihood(
      trunk->tied_output(), reshape(hidden, {rows, config_.dim}), next.targets.reshape({rows}));
  return neg(mean(log_likelihood));
}

// Counting the right guesses is an argmax over every logit: lm's training steps, which call
// loss(), do not pay for it.
CausalLMLoss CausalLM::scored_loss(const Tensor& ids) {
  const NextTokens next = next_tokens(ids);
  const Variable logits = forward(next.inputs);
  CausalLMLoss result{.loss = cross_entropy(logits, next.targets),
                      .predicted = next.targets.numel()};
  const std::vector<int64_t> best = argmax(logits.data(), 2).to_vector<int64_t>();
  const std::vector<int64_t> wanted = next.targets.to(DType::i64).to_vector<int64_t>();
  for (size_t p = 0; p < best.size(); ++p) result.correct += best[p] == wanted[p];
  return result;
}

namespace {

// Index drawn from softmax(logits / temperature) restricted to the top_k largest logits.
int64_t sample_token(std::vector<float> logits, const GenerationOptions& options, Generator& gen) {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  if (options.temperature == 0.0f)
    return std::max_element(logits.begin(), logits.end()) - logits.begin();
  if (options.top_k > 0 && options.top_k < vocab) {
    std::vector<float> sorted = logits;
    std::nth_element(sorted.begin(), sorted.begin() + (options.top_k - 1), sorted.end(),
                     std::greater<>());
    const float threshold = sorted[options.top_k - 1];
    for (float& l : logits)
      if (l < threshold) l = -INFINITY;
  }
  return sample_softmax(logits, gen.uniform(), options.temperature);
}

}  // namespace

std::vector<int64_t> CausalLM::generate(const std::vector<int64_t>& prompt,
                                        const GenerationOptions& options) {
  SG_CHECK(!prompt.empty(), "CausalLM::generate: the prompt needs at least one token");
  SG_CHECK(options.temperature >= 0.0f && options.top_k >= 0 && options.new_tokens >= 0,
           "CausalLM::generate: temperature {}, top_k {} and new_tokens {} must not be negative",
           options.temperature, options.top_k, options.new_tokens);
  NoGradGuard no_grad;
  // Evaluation mode for the duration, restored even when an exception leaves early.
  struct ModeGuard {
    nn::Module& module;
    bool was_training;
    ~ModeGuard() { module.train(was_training); }
  } mode{*this, is_training()};
  eval();
  // Every token: those before the context window are never given to forward.
  check_token_ids(from_vector(prompt, {1, static_cast<int64_t>(prompt.size())}), config_.vocab_size,
                  "CausalLM::generate");
  Generator gen(options.seed);
  std::vector<int64_t> tokens = prompt;
  for (int64_t step = 0; step < options.new_tokens; ++step) {
    // The context window: the last max_length tokens.
    const int64_t start =
        std::max<int64_t>(0, static_cast<int64_t>(tokens.size()) - config_.max_length);
    const std::vector<int64_t> window(tokens.begin() + start, tokens.end());
    const int64_t length = static_cast<int64_t>(window.size());
    const Tensor logits = forward(from_vector(window, {1, length})).data();
    tokens.push_back(
        sample_token(logits.select(0, 0).select(0, length - 1).to_vector<float>(), options, gen));
  }
  return tokens;
}

std::string CausalLM::settings() const {
  return fmt::format("attention={}, layers={}, dim={}, heads={}, vocab={}, tied={}",
                     config_.attention, config_.layers, config_.dim, config_.heads,
                     config_.vocab_size, config_.tie_embeddings);
}

}  // namespace sg::models
