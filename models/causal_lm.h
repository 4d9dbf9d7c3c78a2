#pragma once
#include <memory>
#include <vector>

#include "synthgrad/models/trunk.h"
#include "synthgrad/nn/linear.h"

namespace sg::models {

struct GenerationOptions {
  int64_t new_tokens = 100;
  float temperature = 1.0f;  // 0 picks the most likely token every time
  int64_t top_k = 0;         // 0 samples from the whole vocabulary
  uint64_t seed = 0;
};

struct CausalLMLoss {
  Variable loss;          // mean next-token cross-entropy
  int64_t predicted = 0;  // positions predicted: batch x (length - 1)
  int64_t correct = 0;    // of those, the largest logit's token is the next one
};

// A decoder-only language model: every attention variant runs with a causal mask.
class CausalLM : public nn::Module {
 public:
  explicit CausalLM(const ModelConfig& config);
  // [B, L] -> logits [B, L, V] (log-probabilities with a clustered softmax, whose
  // training loss never computes them all).
  Variable forward(const Tensor& ids);
  // Mean next-token cross-entropy of ids[:, 1:] given ids[:, :-1].
  Variable loss(const Tensor& ids);
  // The same loss with how many next tokens the largest logit predicts.
  CausalLMLoss scored_loss(const Tensor& ids);
  // Continues `prompt` (at least one token) by sampling; returns prompt + new tokens.
  std::vector<int64_t> generate(const std::vector<int64_t>& prompt,
                                const GenerationOptions& options);
  std::string type_name() const override { return "CausalLM"; }
  std::string settings() const override;
  const ModelConfig& config() const { return config_; }

  std::shared_ptr<Trunk> trunk;
  std::shared_ptr<nn::Linear> output;  // null when tied to the token embedding

 private:
  // ids[:, :-1] and the next tokens they predict, ids[:, 1:] (every id checked).
  struct NextTokens {
    Tensor inputs;
    Tensor targets;
  };
  NextTokens next_tokens(const Tensor& ids);
  Variable hidden_states(const Tensor& ids);  // the causal trunk's [B, L, d]

  ModelConfig config_;
};

}  // namespace sg::models
