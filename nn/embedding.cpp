#include "synthgrad/nn/embedding.h"

#include <cmath>

#include "synthgrad/autograd/indexing.h"
#include "synthgrad/autograd/shape_ops.h"

namespace sg::nn {

namespace {
void check_length(int64_t length, int64_t max_length, const char* type) {
  SG_CHECK(length >= 0, "{}: sequence length {} is negative", type, length);
  SG_CHECK(length <= max_length, "{}: sequence length {} exceeds the maximum {}", type, length,
           max_length);
}
}  // namespace

Embedding::Embedding(int64_t count, int64_t dim, Generator& gen) {
  SG_CHECK(count > 0 && dim > 0, "Embedding: sizes must be positive, got {} x {}", count, dim);
  weight = register_parameter("weight", normal({count, dim}, 0.02f, gen));
}

Variable Embedding::forward(const Tensor& ids) {
  return embedding(weight, ids);
}

std::string Embedding::settings() const {
  return fmt::format("count={}, dim={}", weight.size(0), weight.size(1));
}

LearnedPositionalEmbedding::LearnedPositionalEmbedding(int64_t max_length, int64_t dim,
                                                       Generator& gen) {
  SG_CHECK(max_length > 0 && dim > 0, "LearnedPositionalEmbedding: sizes must be positive");
  weight = register_parameter("weight", normal({max_length, dim}, 0.02f, gen));
}

Variable LearnedPositionalEmbedding::forward(int64_t length) {
  check_length(length, weight.size(0), "LearnedPositionalEmbedding");
  return narrow(weight, 0, 0, length);
}

std::string LearnedPositionalEmbedding::settings() const {
  return fmt::format("max_length={}, dim={}", weight.size(0), weight.size(1));
}

SinusoidalPositionalEmbedding::SinusoidalPositionalEmbedding(int64_t max_length, int64_t dim) {
  SG_CHECK(max_length > 0 && dim > 0, "SinusoidalPositionalEmbedding: sizes must be positive");
  Tensor table = Tensor::empty({max_length, dim});
  float* p = table.data<float>();
  for (int64_t pos = 0; pos < max_length; ++pos)
    for (int64_t i = 0; i < dim; ++i) {
      const double angle = pos / std::pow(10000.0, static_cast<double>(i - i % 2) / dim);
      p[pos * dim + i] = static_cast<float>(i % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  table_ = register_buffer("table", table);
}

Variable SinusoidalPositionalEmbedding::forward(int64_t length) {
  check_length(length, table_.size(0), "SinusoidalPositionalEmbedding");
  return Variable(table_.narrow(0, 0, length));
}

std::string SinusoidalPositionalEmbedding::settings() const {
  return fmt::format("max_length={}, dim={}", table_.size(0), table_.size(1));
}

}  // namespace sg::nn
