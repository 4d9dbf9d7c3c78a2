#include "synthgrad/nn/feed_forward.h"

#include "synthgrad/autograd/dropout.h"

namespace sg::nn {

FeedForward::FeedForward(int64_t dim, int64_t hidden, float dropout, Generator& init_gen,
                         std::shared_ptr<Generator> dropout_gen) {
  up = register_module("up", std::make_shared<Linear>(dim, hidden, init_gen));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(dropout, std::move(dropout_gen)));
  down = register_module("down", std::make_shared<Linear>(hidden, dim, init_gen));
}

Variable FeedForward::forward(const Variable& x) {
  // GELU and its dropout in one op: the same mask and numbers as dropout_->forward(gelu(...)).
  return down->forward(
      gelu_dropout(up->forward(x), dropout_->p(), is_training(), dropout_->generator()));
}

}  // namespace sg::nn
