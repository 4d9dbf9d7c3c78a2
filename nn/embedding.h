#pragma once
#include "synthgrad/nn/init.h"
#include "synthgrad/nn/module.h"

namespace sg::nn {

// A table of `count` vectors of width `dim`, indexed by integer ids. Default: normal(0, 0.02).
class Embedding : public Module {
 public:
  Embedding(int64_t count, int64_t dim, Generator& gen);
  Variable forward(const Tensor& ids);  // ids [...] -> [..., dim]
  std::string type_name() const override { return "Embedding"; }
  std::string settings() const override;

  Variable weight;
};

// Position vectors for positions 0..length-1, shape [length, dim], added to token embeddings.
class PositionalEmbedding : public Module {
 public:
  virtual Variable forward(int64_t length) = 0;
};

// Trained positions, normal(0, 0.02).
class LearnedPositionalEmbedding : public PositionalEmbedding {
 public:
  LearnedPositionalEmbedding(int64_t max_length, int64_t dim, Generator& gen);
  Variable forward(int64_t length) override;
  std::string type_name() const override { return "LearnedPositionalEmbedding"; }
  std::string settings() const override;

  Variable weight;
};

// Fixed sines and cosines (Vaswani et al. 2017), kept as a buffer.
class SinusoidalPositionalEmbedding : public PositionalEmbedding {
 public:
  SinusoidalPositionalEmbedding(int64_t max_length, int64_t dim);
  Variable forward(int64_t length) override;
  std::string type_name() const override { return "SinusoidalPositionalEmbedding"; }
  std::string settings() const override;

 private:
  Tensor table_;
};

}  // namespace sg::nn
