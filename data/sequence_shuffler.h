#pragma once
// Packed sequences in a random order although the corpus streams: blocks of consecutive sequences
// are read from a SequencePacker and each is given in a seeded random order. A block of a few
// thousand sequences mixes hundreds of documents at the memory cost of one block of ids, and where
// the shuffler is fits in a few integers: a resume packs and shuffles the current block again.
#include <cstdint>
#include <string>
#include <vector>

#include "synthgrad/core/random.h"
#include "synthgrad/core/tensor.h"
#include "synthgrad/data/sequence_packer.h"

namespace sg::data {

// Where a shuffler is: the current block was packed from `block_start` and shuffled by a generator
// in state `block_rng`, and its first `taken` sequences (in shuffled order) are given.
struct ShufflePosition {
  PackingPosition block_start;
  GeneratorState block_rng;
  int64_t taken = 0;
};

// JSON text for checkpoint metadata, and back; parsing throws an sg::Error on malformed text.
std::string to_string(const ShufflePosition& position);
ShufflePosition parse_shuffle_position(const std::string& text);

class SequenceShuffler {
 public:
  // The packer must outlive the shuffler and should repeat: a block ends early, and the stream
  // with it, where a packer that does not repeat ends.
  SequenceShuffler(SequencePacker& packer, int64_t block_sequences, uint64_t seed);

  // i64 [b, max_length]: the next b <= batch_size sequences (fewer only at the end of a stream
  // that does not repeat), or nothing when none is left.
  std::optional<Tensor> next_batch(int64_t batch_size);

  ShufflePosition position() const;
  // Continues from a position that position() gave for the same packer settings and block size.
  void restore(const ShufflePosition& position);

 private:
  // Packs the next block and draws its order.
  void fill_block();

  SequencePacker& packer_;
  int64_t block_sequences_;
  Generator gen_;
  PackingPosition block_start_;
  GeneratorState block_rng_;
  std::vector<int64_t> block_;  // the block's sequences, row after row
  std::vector<int64_t> order_;  // the block's rows in the order they are given
  int64_t taken_ = 0;
};

}  // namespace sg::data
