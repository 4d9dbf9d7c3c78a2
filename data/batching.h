#pragma once
// Mini-batches of encoded examples: a seeded order per epoch (optionally bucketed by length),
// padding to the longest example of each batch, and a position that a checkpoint can save so that
// a resumed run sees exactly the batches it would have seen.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "synthgrad/core/tensor.h"
#include "synthgrad/data/encoding.h"

namespace sg::data {

struct Batch {
  Tensor ids;           // i64 [B, L], [PAD] after each example's end
  Tensor segments;      // i64 [B, L], 0 at padding
  Tensor padding_mask;  // b8 [B, L], 1 = padding
  Tensor labels;        // i64 [B] (classification) or f32 [B] (regression); undefined if unlabelled
  std::vector<int64_t> indices;  // the examples' indices in the data set
};

// Pads to the longest of the chosen examples; throws if some have labels and others not.
Batch collate(const EncodedDataset& data, std::span<const int64_t> indices);

struct BatchOptions {
  int64_t batch_size = 32;
  bool shuffle = true;
  uint64_t seed = 0;
  // 0: no bucketing. k > 0: examples are sorted by length within chunks of k batches, so batches
  // hold similar lengths and need less padding; the full batches are then shuffled.
  int64_t bucket_batches = 0;
  bool drop_last = false;  // drop the final, smaller batch of an epoch
};

// The examples of `epoch` in batch order, a pure function of (lengths, options, epoch): batch b is
// order[b * batch_size, (b + 1) * batch_size), and a smaller last batch comes last.
std::vector<int64_t> epoch_order(std::span<const int64_t> lengths, const BatchOptions& options,
                                 int64_t epoch);

// Where a Batcher is: the next batch to give is batch `batch` of `order`, in epoch `epoch`.
struct BatchPosition {
  int64_t epoch = 0;
  int64_t batch = 0;
  std::vector<int64_t> order;
};

// JSON text for checkpoint metadata, and back; parsing throws an sg::Error on malformed text.
std::string to_string(const BatchPosition& position);
BatchPosition parse_batch_position(const std::string& text);

class Batcher {
 public:
  Batcher(EncodedDataset data, BatchOptions options);

  const EncodedDataset& data() const { return data_; }
  const BatchOptions& options() const { return options_; }
  int64_t batches_per_epoch() const;

  // The next batch; after the last batch of an epoch, the first batch of the next epoch.
  Batch next();

  const BatchPosition& position() const { return position_; }
  // Continues from a position that position() gave for the same data and options; throws when it
  // cannot belong to them.
  void restore(BatchPosition position);

 private:
  EncodedDataset data_;
  BatchOptions options_;
  std::vector<int64_t> lengths_;
  BatchPosition position_;
};

}  // namespace sg::data
