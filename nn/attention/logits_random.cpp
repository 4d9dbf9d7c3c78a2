// R, Rfix and FR: logits that do not look at the input at all.
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/nn/attention/logits.h"
#include "synthgrad/nn/init.h"

namespace sg::nn {

RandomLogits::RandomLogits(const AttentionConfig& c, Generator& gen, bool trainable)
    : trainable_(trainable) {
  checked_sizes(c, "RandomLogits");
  const Shape shape{c.heads, c.max_length, c.max_length};
  if (trainable)
    matrix = register_parameter("matrix", normal(shape, 0.02f, gen));
  else
    matrix = Variable(register_buffer("matrix", normal(shape, 1.0f, gen)));
}

Variable RandomLogits::forward_queries(const Variable& x, int64_t queries) {
  const int64_t length = x.size(1);
  check_sequence_length("RandomLogits", length, matrix.size(1));
  check_query_rows("RandomLogits", queries, length);
  return narrow(narrow(matrix, 1, 0, queries), 2, 0, length);
}

std::string RandomLogits::settings() const {
  return fmt::format("heads={}, max_length={}", matrix.size(0), matrix.size(1));
}

FactorizedRandomLogits::FactorizedRandomLogits(const AttentionConfig& c, Generator& gen) {
  checked_sizes(c, "FactorizedRandomLogits");
  left = register_parameter("left", normal({c.heads, c.max_length, c.random_rank}, 0.02f, gen));
  right = register_parameter("right", normal({c.heads, c.max_length, c.random_rank}, 0.02f, gen));
}

Variable FactorizedRandomLogits::forward_queries(const Variable& x, int64_t queries) {
  const int64_t length = x.size(1);
  check_sequence_length("FactorizedRandomLogits", length, left.size(1));
  check_query_rows("FactorizedRandomLogits", queries, length);
  return matmul(narrow(left, 1, 0, queries), transpose(narrow(right, 1, 0, length), 1, 2));
}

std::string FactorizedRandomLogits::settings() const {
  return fmt::format("heads={}, max_length={}, rank={}", left.size(0), left.size(1), left.size(2));
}

}  // namespace sg::nn
