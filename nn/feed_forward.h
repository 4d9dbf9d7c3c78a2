#pragma once
#include <memory>

#include "synthgrad/nn/dropout.h"
#include "synthgrad/nn/linear.h"

namespace sg::nn {

// Linear(d, hidden) - GELU - Dropout - Linear(hidden, d): the Transformer's position-wise network.
class FeedForward : public UnaryModule {
 public:
  FeedForward(int64_t dim, int64_t hidden, float dropout, Generator& init_gen,
              std::shared_ptr<Generator> dropout_gen);
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "FeedForward"; }

  std::shared_ptr<Linear> up, down;

 private:
  std::shared_ptr<Dropout> dropout_;
};

}  // namespace sg::nn
