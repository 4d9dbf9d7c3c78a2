#pragma once
// A softmax over a word vocabulary, factored by frequency clusters (Goodman 2001; Grave et al.
// 2017, "Efficient softmax approximation for GPUs", with full-width, tied clusters): the head is a
// softmax over the most frequent words and one entry per cluster of rarer ones, and a word of
// cluster c has p(word) = p(c) p(word | c), the second a softmax over c's words alone. Word
// frequencies follow Zipf's law (the most frequent 1,000 of 18,000 words are 80% of English
// text), so training computes the head for every position and a cluster only for the positions
// whose next word is in it: a seventh of the full softmax's products, the same distribution family.
#include <cstdint>
#include <vector>

#include "synthgrad/autograd/variable.h"

namespace sg::nn {

struct ClusteredSoftmax {
  Variable embedding;  // [V, d]: the output vectors of the words (the tied token embedding)
  // The first id of each cluster, increasing, in (0, V): the head holds ids [0, cutoffs[0]) and
  // cluster c ids [cutoffs[c], cutoffs[c + 1]) (the last up to V). Ids must be in order of falling
  // frequency. Empty: one softmax over V.
  std::vector<int64_t> cutoffs = {};
  Variable cluster_vectors = {};  // [cutoffs.size(), d]: the head's entry of each cluster
};

// Throws sg::Error naming `op` unless the cutoffs increase inside (0, vocab).
void check_softmax_cutoffs(const std::vector<int64_t>& cutoffs, int64_t vocab, const char* op);

// Throws sg::Error unless the cutoffs increase inside (0, vocab) and the cluster vectors fit.
void check_clustered_softmax(const ClusteredSoftmax& output, const char* op);

// log p(target | state) for states [N, d] and targets i64 [N] in [0, V): [N, 1].
Variable token_log_likelihood(const ClusteredSoftmax& output, const Variable& states,
                              const Tensor& targets);

// The whole distribution, log p(v | state) for every id v: [N, V] (what generation and an argmax
// read; a training step need not pay for it).
Variable token_log_probabilities(const ClusteredSoftmax& output, const Variable& states);

}  // namespace sg::nn
