#include "synthgrad/data/sequence_shuffler.h"

#include <nlohmann/json.hpp>
#include <numeric>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"
#include "synthgrad/data/shuffle.h"

namespace sg::data {

std::string to_string(const ShufflePosition& p) {
  return nlohmann::json{{"block_start", nlohmann::json::parse(to_string(p.block_start))},
                        {"block_rng", to_string(p.block_rng)},
                        {"taken", p.taken}}
      .dump();
}

ShufflePosition parse_shuffle_position(const std::string& text) {
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    return {.block_start = parse_packing_position(json.at("block_start").dump()),
            .block_rng = parse_generator_state(json.at("block_rng").get<std::string>()),
            .taken = json.at("taken").get<int64_t>()};
  } catch (const nlohmann::json::exception& e) {
    fail("parse_shuffle_position: '{}' is not a shuffle position: {}", text, e.what());
  }
}

SequenceShuffler::SequenceShuffler(SequencePacker& packer, int64_t block_sequences, uint64_t seed)
    : packer_(packer), block_sequences_(block_sequences), gen_(seed) {
  SG_CHECK(block_sequences >= 1, "SequenceShuffler: block_sequences {} must be positive",
           block_sequences);
  block_start_ = packer_.position();
  block_rng_ = gen_.state();
}

void SequenceShuffler::fill_block() {
  block_start_ = packer_.position();
  block_rng_ = gen_.state();
  block_.clear();
  int64_t rows = 0;
  for (; rows < block_sequences_; ++rows) {
    std::optional<std::vector<int64_t>> sequence = packer_.next();
    if (!sequence) break;
    block_.insert(block_.end(), sequence->begin(), sequence->end());
  }
  order_.resize(static_cast<size_t>(rows));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  shuffle(order_, gen_);
  taken_ = 0;
}

std::optional<Tensor> SequenceShuffler::next_batch(int64_t batch_size) {
  SG_CHECK(batch_size >= 1, "SequenceShuffler::next_batch: batch_size {} must be positive",
           batch_size);
  const int64_t length = packer_.max_length();
  std::vector<int64_t> ids;
  int64_t rows = 0;
  for (; rows < batch_size; ++rows) {
    if (taken_ == static_cast<int64_t>(order_.size())) fill_block();
    if (order_.empty()) break;
    const auto row = block_.begin() + order_[static_cast<size_t>(taken_++)] * length;
    ids.insert(ids.end(), row, row + length);
  }
  if (rows == 0) return std::nullopt;
  return from_vector(ids, {rows, length});
}

ShufflePosition SequenceShuffler::position() const {
  return {.block_start = block_start_, .block_rng = block_rng_, .taken = taken_};
}

void SequenceShuffler::restore(const ShufflePosition& position) {
  packer_.restore(position.block_start);
  gen_.set_state(position.block_rng);
  fill_block();
  SG_CHECK(position.taken >= 0 && position.taken <= static_cast<int64_t>(order_.size()),
           "SequenceShuffler::restore: {} sequences taken of a block of {}", position.taken,
           order_.size());
  taken_ = position.taken;
}

}  // namespace sg::data
