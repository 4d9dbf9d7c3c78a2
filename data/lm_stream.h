#pragma once
// Language-model data as one contiguous token stream, nanoGPT-style: random windows for training,
// consecutive windows for measuring validation loss.
#include <cstdint>
#include <span>
#include <vector>

#include "synthgrad/core/random.h"
#include "synthgrad/core/tensor.h"

namespace sg::data {

struct TokenSplit {
  std::vector<int64_t> train;
  std::vector<int64_t> validation;
};

// The first floor(train_fraction * N) tokens train, the rest validate; 0.9 is nanoGPT's split of
// tiny-shakespeare.
TokenSplit split_tokens(std::span<const int64_t> tokens, double train_fraction = 0.9);

// i64 [batch_size, block_size + 1]: windows at uniformly random starts in [0, N - block_size - 1];
// inputs are [:, :-1] and next-token targets [:, 1:].
Tensor random_windows(std::span<const int64_t> tokens, int64_t batch_size, int64_t block_size,
                      Generator& gen);

// Windows of block_size + 1 tokens starting at 0, block_size, 2 * block_size...: every token after
// the first is a target exactly once, except a last stretch too short for a full window.
int64_t sequential_window_count(int64_t num_tokens, int64_t block_size);
int64_t sequential_batch_count(int64_t num_tokens, int64_t batch_size, int64_t block_size);
// i64 [b, block_size + 1], b = batch_size except perhaps for the last batch.
Tensor sequential_batch(std::span<const int64_t> tokens, int64_t batch_size, int64_t block_size,
                        int64_t batch_index);

}  // namespace sg::data
