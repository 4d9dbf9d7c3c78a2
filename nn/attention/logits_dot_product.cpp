#include <cmath>

#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/nn/attention/heads.h"
#include "synthgrad/nn/attention/logits.h"

namespace sg::nn {

DotProductLogits::DotProductLogits(const AttentionConfig& c, Generator& gen)
    : heads_(checked_sizes(c, "DotProductLogits").heads),
      scale_(1.0f / std::sqrt(static_cast<float>(c.dim / c.heads))) {
  query = register_module("query", std::make_shared<Linear>(c.dim, c.dim, gen));
  key = register_module("key", std::make_shared<Linear>(c.dim, c.dim, gen));
}

Variable DotProductLogits::forward_queries(const Variable& x, int64_t queries) {
  const Variable q = split_heads(query->forward(first_positions(x, queries)), heads_);
  const Variable k = split_heads(key->forward(x), heads_);
  return matmul(q, transpose(k, -1, -2), scale_);  // the scale is the GEMM's alpha: no extra pass
}

}  // namespace sg::nn
