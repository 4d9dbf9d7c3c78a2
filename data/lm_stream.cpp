#include "synthgrad/data/lm_stream.h"

#include <algorithm>
#include <cmath>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"

namespace sg::data {

namespace {

void check_sizes(int64_t num_tokens, int64_t batch_size, int64_t block_size, const char* op) {
  SG_CHECK(batch_size >= 1 && block_size >= 1,
           "{}: batch_size {} and block_size {} must be positive", op, batch_size, block_size);
  SG_CHECK(num_tokens > block_size, "{}: {} tokens hold no window of {} + 1", op, num_tokens,
           block_size);
}

// The windows starting at `starts`, as rows.
Tensor gather_windows(std::span<const int64_t> tokens, const std::vector<int64_t>& starts,
                      int64_t block_size) {
  const auto width = static_cast<size_t>(block_size + 1);
  std::vector<int64_t> values;
  values.reserve(starts.size() * width);
  for (int64_t start : starts) {
    const auto first = tokens.begin() + start;
    values.insert(values.end(), first, first + static_cast<int64_t>(width));
  }
  return from_vector(values, {static_cast<int64_t>(starts.size()), block_size + 1});
}

}  // namespace

TokenSplit split_tokens(std::span<const int64_t> tokens, double train_fraction) {
  SG_CHECK(train_fraction >= 0.0 && train_fraction <= 1.0,
           "split_tokens: train_fraction {} is outside [0, 1]", train_fraction);
  const auto cut =
      static_cast<size_t>(std::floor(train_fraction * static_cast<double>(tokens.size())));
  return {{tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(cut)},
          {tokens.begin() + static_cast<std::ptrdiff_t>(cut), tokens.end()}};
}

Tensor random_windows(std::span<const int64_t> tokens, int64_t batch_size, int64_t block_size,
                      Generator& gen) {
  const auto n = static_cast<int64_t>(tokens.size());
  check_sizes(n, batch_size, block_size, "random_windows");
  const auto choices = static_cast<uint64_t>(n - block_size);
  const uint64_t first = gen.reserve(static_cast<uint64_t>(batch_size));
  std::vector<int64_t> starts;
  for (int64_t row = 0; row < batch_size; ++row)
    starts.push_back(
        static_cast<int64_t>(gen.bits_at(first + static_cast<uint64_t>(row)) % choices));
  return gather_windows(tokens, starts, block_size);
}

int64_t sequential_window_count(int64_t num_tokens, int64_t block_size) {
  SG_CHECK(block_size >= 1, "sequential_window_count: block_size {} must be positive", block_size);
  return num_tokens > 0 ? (num_tokens - 1) / block_size : 0;
}

int64_t sequential_batch_count(int64_t num_tokens, int64_t batch_size, int64_t block_size) {
  check_sizes(num_tokens, batch_size, block_size, "sequential_batch_count");
  return (sequential_window_count(num_tokens, block_size) + batch_size - 1) / batch_size;
}

Tensor sequential_batch(std::span<const int64_t> tokens, int64_t batch_size, int64_t block_size,
                        int64_t batch_index) {
  const auto n = static_cast<int64_t>(tokens.size());
  const int64_t batches = sequential_batch_count(n, batch_size, block_size);
  SG_CHECK(batch_index >= 0 && batch_index < batches, "sequential_batch: batch {} outside [0, {})",
           batch_index, batches);
  const int64_t first = batch_index * batch_size;
  const int64_t last = std::min(sequential_window_count(n, block_size), first + batch_size);
  std::vector<int64_t> starts;
  for (int64_t window = first; window < last; ++window) starts.push_back(window * block_size);
  return gather_windows(tokens, starts, block_size);
}

}  // namespace sg::data
