#pragma once
// Smooth inverse frequencies (Arora, Liang and Ma 2017, "A simple but tough-to-beat baseline for
// sentence embeddings"): a sentence's mean of word vectors, each weighted by a / (a + p(word)),
// compares sentences far better than the plain mean, because frequent words (the, of, a) carry
// little of what a sentence says. The encoder's mean and pair pooling can weigh positions so.
#include <cstdint>
#include <vector>

#include "synthgrad/core/tensor.h"

namespace sg::data {

// f32 [counts.size()]: a / (a + count / total) per token, total the sum of the words' counts; an
// unseen word weighs 1. The special tokens ([PAD], [CLS], [SEP], [UNK], [MASK]: ids below
// kNumSpecialTokens) weigh 0 and are not in the total: they mark structure rather than say
// anything, and their counts would depend on how the text was cut into sequences. Throws sg::Error
// unless a > 0 and the words' counts are non-negative with a positive sum.
Tensor smooth_inverse_frequencies(const std::vector<int64_t>& counts, double a);

}  // namespace sg::data
