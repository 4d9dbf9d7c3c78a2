#pragma once
// The sources of attention logits. Each maps x [B, L, d] to logits S [B, H, L, L], or to [H, L, L]
// when S does not depend on the input (R, Rfix, FR): those broadcast over the batch and are never
// copied per example. Synthetic sources use the leading L x L block of their l x l matrices.
#include <memory>

#include "synthgrad/nn/attention/config.h"
#include "synthgrad/nn/linear.h"
#include "synthgrad/nn/module.h"

namespace sg::nn {

class AttentionLogits : public Module {
 public:
  // Every query position of x [B, L, d] against every key.
  Variable forward(const Variable& x) { return forward_queries(x, x.size(1)); }
  // The first `queries` positions alone against every key: [B, H, queries, L] (or [H, queries,
  // L]), for a caller that reads no other rows (models::Trunk for a head on position 0).
  virtual Variable forward_queries(const Variable& x, int64_t queries) = 0;
};

std::shared_ptr<AttentionLogits> make_logits(LogitKind kind, const AttentionConfig& config,
                                             Generator& gen);

// V: S_h = Q_h K_h^T / sqrt(d_h).
class DotProductLogits : public AttentionLogits {
 public:
  DotProductLogits(const AttentionConfig& config, Generator& gen);
  Variable forward_queries(const Variable& x, int64_t queries) override;
  std::string type_name() const override { return "DotProductLogits"; }
  float scale() const { return scale_; }  // 1 / sqrt(d_head)

  std::shared_ptr<Linear> query, key;

 private:
  int64_t heads_;
  float scale_;
};

// D: S_h = ReLU(X W1 + b1)_h W2_h + b2_h, each token predicting its own row.
class DenseLogits : public AttentionLogits {
 public:
  DenseLogits(const AttentionConfig& config, Generator& gen);
  Variable forward_queries(const Variable& x, int64_t queries) override;
  std::string type_name() const override { return "DenseLogits"; }
  std::string settings() const override;

  std::shared_ptr<Linear> hidden;
  Variable weight, bias;  // W2 [H, d_h, l], b2 [H, l]

 private:
  int64_t heads_;
};

// R: S_h = R_h (trainable, normal(0, 0.02)); Rfix: the same but drawn from normal(0, 1) once and
// kept as a buffer: saved, never trained or decayed.
class RandomLogits : public AttentionLogits {
 public:
  RandomLogits(const AttentionConfig& config, Generator& gen, bool trainable);
  Variable forward_queries(const Variable& x, int64_t queries) override;
  std::string type_name() const override {
    return trainable_ ? "RandomLogits" : "FixedRandomLogits";
  }
  std::string settings() const override;

  Variable matrix;  // [H, l, l]

 private:
  bool trainable_;
};

// FR: S_h = R1_h R2_h^T with R1, R2 [H, l, k].
class FactorizedRandomLogits : public AttentionLogits {
 public:
  FactorizedRandomLogits(const AttentionConfig& config, Generator& gen);
  Variable forward_queries(const Variable& x, int64_t queries) override;
  std::string type_name() const override { return "FactorizedRandomLogits"; }
  std::string settings() const override;

  Variable left, right;
};

// FD: A = ReLU(X W0 + b0); per head B1 = A_h W1_h + b1_h [.., a], B2 = A_h W2_h + b2_h [.., b];
// row entry m = B1[m mod a] * B2[m div a] for m < l = a * b.
class FactorizedDenseLogits : public AttentionLogits {
 public:
  FactorizedDenseLogits(const AttentionConfig& config, Generator& gen);
  Variable forward_queries(const Variable& x, int64_t queries) override;
  std::string type_name() const override { return "FactorizedDenseLogits"; }
  std::string settings() const override;

  std::shared_ptr<Linear> hidden;
  Variable weight_a, bias_a, weight_b, bias_b;  // [H, d_h, a], [H, a], [H, d_h, b], [H, b]

 private:
  int64_t heads_;
};

}  // namespace sg::nn
