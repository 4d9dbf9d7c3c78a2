#include "nn/toy_trainer.h"

#include <numeric>

namespace sg::testing {

ToyTrainer::ToyTrainer(uint64_t seed)
    : init_gen_(seed), dropout_gen_(std::make_shared<Generator>(seed + 1)), data_gen_(seed + 2) {
  model_ = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::UnaryModule>>{
      std::make_shared<nn::Linear>(4, 16, init_gen_), std::make_shared<nn::GELU>(),
      std::make_shared<nn::Dropout>(0.2f, dropout_gen_),
      std::make_shared<nn::Linear>(16, 3, init_gen_)});
  optimizer_ = std::make_unique<optim::Adam>(
      optim::AdamW(optim::decay_groups(model_->named_parameters(), 0.01f), {.lr = 0.01f}));
  schedule_ = {
      .base_lr = 0.01f, .warmup_steps = 3, .total_steps = 40, .decay = optim::Decay::cosine};
  Generator data(1234);  // the data set itself is fixed; only its order depends on the seed
  inputs_ = randn({kExamples, 4}, data);
  std::vector<int64_t> labels(kExamples);
  for (int64_t i = 0; i < kExamples; ++i) labels[i] = (i * 7) % 3;
  labels_ = from_vector(labels);
  start_epoch();
}

void ToyTrainer::start_epoch() {
  order_.resize(kExamples);
  std::iota(order_.begin(), order_.end(), 0);
  for (int64_t i = kExamples - 1; i > 0; --i)
    std::swap(order_[i],
              order_[static_cast<int64_t>(data_gen_.uniform() * static_cast<float>(i + 1))]);
  position_ = 0;
}

void ToyTrainer::train(int steps) {
  model_->train();
  for (int s = 0; s < steps; ++s) {
    if (position_ + kBatch > kExamples) start_epoch();
    const std::vector<int64_t> rows(order_.begin() + position_,
                                    order_.begin() + position_ + kBatch);
    position_ += kBatch;
    const Tensor ids = from_vector(rows);
    std::vector<int64_t> targets;
    for (int64_t r : rows) targets.push_back(labels_.at<int64_t>({r}));
    Variable loss =
        cross_entropy(model_->forward(Variable(embedding(inputs_, ids))), from_vector(targets));
    optimizer_->zero_grad();
    loss.backward();
    optim::clip_grad_norm(model_->parameters(), 1.0);
    optimizer_->set_lr(schedule_.lr_at(optimizer_->step_count()));
    optimizer_->step();
    last_loss_ = loss.item<float>();
  }
}

void ToyTrainer::save(const std::string& path) const {
  nn::TrainingCheckpoint extra{optimizer_->state(), {}};
  extra.extra_tensors.emplace_back("data.order", from_vector(order_));
  extra.metadata["data.position"] = std::to_string(position_);
  extra.metadata["data.rng"] = to_string(data_gen_.state());
  extra.metadata["dropout.rng"] = to_string(dropout_gen_->state());
  nn::save_training_checkpoint(path, *model_, extra);
}

void ToyTrainer::load(const std::string& path) {
  nn::TrainingCheckpoint extra = nn::load_training_checkpoint(path, *model_);
  optimizer_->load_state(extra.extra_tensors);
  for (const auto& [name, t] : extra.extra_tensors)
    if (name == "data.order") order_ = t.to_vector<int64_t>();
  position_ = std::stoll(extra.metadata.at("data.position"));
  data_gen_.set_state(parse_generator_state(extra.metadata.at("data.rng")));
  dropout_gen_->set_state(parse_generator_state(extra.metadata.at("dropout.rng")));
}

}  // namespace sg::testing
