#pragma once
// What a causal language model's own predictions say of a sentence: how surprised it is by each
// next word. Lau, Clark and Lappin (2017) score a sentence's acceptability so (mean
// log-probability, SLOR: the log-probability above the word's unigram one); a classifier head that
// reads these beside the hidden states gets, from a causally pre-trained trunk, what word order and
// agreement the pre-training learnt, in the form it learnt it.
#include "synthgrad/autograd/variable.h"
#include "synthgrad/models/config.h"
#include "synthgrad/nn/clustered_softmax.h"

namespace sg::models {

// Features per example (in nats): the mean and the largest surprisal -log p(next token) over the
// counted positions, the mean unigram surprisal of their tokens, the largest surprisal above the
// unigram one (the worst transition by SLOR), and the log of the number of counted positions:
// kSurprisalFeatures.

// hidden [B, L, d] from a causal trunk over ids [B, L]; `output` (the tied token embedding, its
// softmax clustered or not) turns position t's state into the probabilities of token t + 1. A token
// counts where it is not padding (b8 [B, L], optional) and weighs above 0 in token_weights f32 [V]
// (a / (a + p), so its unigram surprisal is -log p = log(w / (1 - w)) - log a; special tokens weigh
// 0). Returns [B, kSurprisalFeatures]; an example with no counted token gets zeros.
Variable surprisal_features(const Variable& hidden, const nn::ClusteredSoftmax& output,
                            const Tensor& ids, const Tensor& padding, const Tensor& token_weights);

}  // namespace sg::models
