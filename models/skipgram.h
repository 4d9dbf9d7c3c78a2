#pragma once
// Word vectors by skip-gram with negative sampling (Mikolov et al., 2013, word2vec): every word's
// vector learns, by logistic regression, to tell the words around it from `negatives` words drawn
// at random. Minutes of it on a corpus give an embedding table a start that knows which words are
// alike, which is what lets GloVe-initialised baselines score on STS-B. Plain loops on one thread,
// so the same seed gives the same vectors.
#include <cstdint>
#include <span>
#include <vector>

#include "synthgrad/core/random.h"
#include "synthgrad/core/tensor.h"

namespace sg::models {

struct SkipGramOptions {
  int64_t dim = 128;
  int64_t window = 5;       // context words on each side at most (1..window, drawn per word)
  int64_t negatives = 5;    // noise words per context word, drawn from counts^0.75
  double subsample = 1e-4;  // a word of frequency f is skipped with probability 1 - sqrt(t / f)
  float lr = 0.025f;        // decays linearly to 1e-4 of itself over the training
  int64_t first_word = 0;   // ids below this (special tokens) are neither centres nor contexts
};

class SkipGram {
 public:
  // counts[id]: occurrences of each id in the training text (they set the noise and subsampling).
  SkipGram(const std::vector<int64_t>& counts, const SkipGramOptions& options, uint64_t seed);

  // Learns from one run of consecutive ids; `progress` (0 to 1) is the share of the whole training
  // done before this run, which sets the learning rate.
  void learn(std::span<const int64_t> ids, double progress);

  // The word vectors [V, dim] (the input side, as word2vec reports them).
  Tensor vectors() const;

 private:
  int64_t draw_noise();

  SkipGramOptions options_;
  std::vector<float> input_, output_;  // [V, dim] each
  std::vector<float> keep_;            // probability that an occurrence of each id is kept
  std::vector<int32_t> noise_table_;   // ids, each as often as counts^0.75 says
  Generator gen_;
};

// One (centre, targets) example: targets[0] is the context word (label 1), the rest are noise
// (label 0). Its loss, -log s(c.t0) - sum_k log s(-c.tk), with s the logistic function...
double skipgram_loss(std::span<const float> centre,
                     const std::vector<std::span<const float>>& targets);
// ... and one gradient step of size lr on the centre and the targets together (the targets must be
// distinct words).
void skipgram_step(std::span<float> centre, const std::vector<std::span<float>>& targets, float lr);

}  // namespace sg::models
