#pragma once
// A small but complete training loop for checkpoint and determinism tests: an MLP with dropout,
// AdamW with decay groups, warm-up + cosine schedule, gradient clipping, and a data order
// reshuffled every epoch from its own generator.
#include <memory>
#include <string>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/nn.h"
#include "synthgrad/optim/optim.h"

namespace sg::testing {

class ToyTrainer {
 public:
  explicit ToyTrainer(uint64_t seed);
  void train(int steps);
  void save(const std::string& path) const;
  void load(const std::string& path);
  const nn::Sequential& model() const { return *model_; }
  nn::Sequential& model() { return *model_; }
  float last_loss() const { return last_loss_; }

 private:
  void start_epoch();

  static constexpr int64_t kExamples = 48, kBatch = 8;
  Generator init_gen_;
  std::shared_ptr<Generator> dropout_gen_;
  Generator data_gen_;
  std::shared_ptr<nn::Sequential> model_;
  std::unique_ptr<optim::Adam> optimizer_;
  optim::Schedule schedule_;
  Tensor inputs_, labels_;
  std::vector<int64_t> order_;
  int64_t position_ = 0;
  float last_loss_ = 0.0f;
};

}  // namespace sg::testing
