#include <algorithm>
#include <numeric>

#include "synthgrad/core/error.h"
#include "synthgrad/core/random.h"
#include "synthgrad/data/batching.h"
#include "synthgrad/data/shuffle.h"

namespace sg::data {

namespace {

// Each epoch draws from its own counter range of the seed's stream, so an epoch's order needs no
// generator state from earlier epochs and a resumed run can recompute it.
constexpr int kEpochCounterBits = 40;

}  // namespace

std::vector<int64_t> epoch_order(std::span<const int64_t> lengths, const BatchOptions& options,
                                 int64_t epoch) {
  SG_CHECK(options.batch_size >= 1 && options.bucket_batches >= 0 && epoch >= 0,
           "epoch_order: batch_size {} must be positive, bucket_batches {} and epoch {} not "
           "negative",
           options.batch_size, options.bucket_batches, epoch);
  const auto n = static_cast<int64_t>(lengths.size());
  std::vector<int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  Generator gen(options.seed);
  gen.set_state({options.seed, static_cast<uint64_t>(epoch) << kEpochCounterBits});
  if (options.shuffle) shuffle(order, gen);
  if (options.bucket_batches == 0) return order;

  // A bucket of more batches than the data holds is the whole data (the product could overflow).
  const int64_t chunk = options.bucket_batches > n / options.batch_size
                            ? n
                            : options.bucket_batches * options.batch_size;
  for (int64_t start = 0; start < n; start += chunk)
    std::stable_sort(order.begin() + start, order.begin() + std::min(n, start + chunk),
                     [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
  if (!options.shuffle) return order;

  // Sorting put similar lengths in neighbouring batches; shuffling the full batches keeps the
  // training order random. A smaller last batch stays last.
  std::vector<int64_t> batches(static_cast<size_t>(n / options.batch_size));
  std::iota(batches.begin(), batches.end(), int64_t{0});
  shuffle(batches, gen);
  std::vector<int64_t> bucketed;
  bucketed.reserve(order.size());
  for (int64_t b : batches)
    bucketed.insert(bucketed.end(), order.begin() + b * options.batch_size,
                    order.begin() + (b + 1) * options.batch_size);
  bucketed.insert(bucketed.end(), order.begin() + static_cast<int64_t>(bucketed.size()),
                  order.end());
  return bucketed;
}

Batcher::Batcher(EncodedDataset data, BatchOptions options)
    : data_(std::move(data)), options_(options) {
  SG_CHECK(data_.size() > 0, "Batcher: no examples");
  for (const EncodedExample& example : data_.examples) lengths_.push_back(example.tokens.length());
  position_ = {0, 0, epoch_order(lengths_, options_, 0)};
  SG_CHECK(batches_per_epoch() > 0, "Batcher: {} examples make no batch of {} with drop_last",
           data_.size(), options_.batch_size);
}

int64_t Batcher::batches_per_epoch() const {
  const int64_t n = data_.size(), size = options_.batch_size;
  return options_.drop_last ? n / size : (n + size - 1) / size;
}

Batch Batcher::next() {
  if (position_.batch == batches_per_epoch())
    position_ = {position_.epoch + 1, 0, epoch_order(lengths_, options_, position_.epoch + 1)};
  const int64_t start = position_.batch * options_.batch_size;
  const int64_t end = std::min(data_.size(), start + options_.batch_size);
  ++position_.batch;
  return collate(data_, std::span(position_.order)
                            .subspan(static_cast<size_t>(start), static_cast<size_t>(end - start)));
}

void Batcher::restore(BatchPosition position) {
  SG_CHECK(position.epoch >= 0 && position.batch >= 0 && position.batch <= batches_per_epoch(),
           "Batcher::restore: epoch {} batch {} is not a position of {} batches per epoch",
           position.epoch, position.batch, batches_per_epoch());
  SG_CHECK(static_cast<int64_t>(position.order.size()) == data_.size(),
           "Batcher::restore: an order of {} examples for a data set of {}", position.order.size(),
           data_.size());
  std::vector<bool> seen(position.order.size(), false);
  for (int64_t index : position.order) {
    SG_CHECK(index >= 0 && index < data_.size() && !seen[static_cast<size_t>(index)],
             "Batcher::restore: the order is not a permutation of 0..{} (at {})", data_.size() - 1,
             index);
    seen[static_cast<size_t>(index)] = true;
  }
  position_ = std::move(position);
}

}  // namespace sg::data
