#pragma once
// Smooth inverse frequencies (Arora, Liang and Ma 2017, "A simple but tough-to-beat baseline for
// sentence embeddings"): a sentence's mean of word vectors, each weighted by a / (a + p(word)),
// compares sentences far better than the plain mean, because frequent words (the, of, a) carry
// little of what a sentence says. The encoder's mean and pair pooling can weigh positions so.
#include <cstdint>
#include <vector>

#include "synthgrad/core/tensor.h"

namespace sg::data {

// f32 [counts.size()]: a / (a + count / total) per token, total the sum of the counts; an unseen
// token weighs 1. Throws sg::Error unless a > 0 and the counts are non-negative with a positive
// sum.
Tensor smooth_inverse_frequencies(const std::vector<int64_t>& counts, double a);

}  // namespace sg::data
