// D and FD: logits predicted from each token alone.
#include <cmath>

#include "synthgrad/autograd/activations.h"
#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/nn/attention/heads.h"
#include "synthgrad/nn/attention/logits.h"
#include "synthgrad/nn/init.h"

namespace sg::nn {

namespace {

// A_h W_h + b_h for every head at once: [B, H, L, d_h] @ [H, d_h, n] + [H, 1, n], the bias riding
// on the GEMM (core/matmul.h) rather than costing a pass over the [B, H, L, n] logits.
Variable per_head_affine(const Variable& a, const Variable& weight, const Variable& bias) {
  return matmul(a, weight, 1.0f, unsqueeze(bias, 1));
}

}  // namespace

DenseLogits::DenseLogits(const AttentionConfig& c, Generator& gen)
    : heads_(checked_sizes(c, "DenseLogits").heads) {
  hidden = register_module("hidden", std::make_shared<Linear>(c.dim, c.dim, gen));
  weight =
      register_parameter("weight", normal({c.heads, c.dim / c.heads, c.max_length}, 0.02f, gen));
  bias = register_parameter("bias", zeros({c.heads, c.max_length}));
}

Variable DenseLogits::forward_queries(const Variable& x, int64_t queries) {
  const int64_t length = x.size(1);
  check_sequence_length("DenseLogits", length, weight.size(2));
  const Variable a = split_heads(relu(hidden->forward(first_positions(x, queries))), heads_);
  // Only the first L columns of W2 are used: slicing before the product skips the rest.
  return per_head_affine(a, narrow(weight, 2, 0, length), narrow(bias, 1, 0, length));
}

std::string DenseLogits::settings() const {
  return fmt::format("heads={}, max_length={}", heads_, weight.size(2));
}

FactorizedDenseLogits::FactorizedDenseLogits(const AttentionConfig& c, Generator& gen)
    : heads_(checked_sizes(c, "FactorizedDenseLogits").heads) {
  auto [a, b] = factorized_dense_factors(c);
  const int64_t head_dim = c.dim / c.heads;
  hidden = register_module("hidden", std::make_shared<Linear>(c.dim, c.dim, gen));
  weight_a = register_parameter("weight_a", normal({c.heads, head_dim, a}, 0.02f, gen));
  bias_a = register_parameter("bias_a", zeros({c.heads, a}));
  weight_b = register_parameter("weight_b", normal({c.heads, head_dim, b}, 0.02f, gen));
  bias_b = register_parameter("bias_b", zeros({c.heads, b}));
}

Variable FactorizedDenseLogits::forward_queries(const Variable& x, int64_t queries) {
  check_sequence_length("FactorizedDenseLogits", x.size(1), weight_a.size(2) * weight_b.size(2));
  const Variable hid = split_heads(relu(hidden->forward(first_positions(x, queries))), heads_);
  const Variable b1 = per_head_affine(hid, weight_a, bias_a);  // [B, H, L, a]
  const Variable b2 = per_head_affine(hid, weight_b, bias_b);  // [B, H, L, b]
  const int64_t a = b1.size(-1), b = b2.size(-1);
  Shape grid = b1.shape();
  grid.back() = b;
  grid.push_back(a);  // [B, H, L, b, a]: entry (i, j) is row position m = i * a + j
  const Variable rows = expand(unsqueeze(b1, -2), grid) * expand(unsqueeze(b2, -1), grid);
  Shape flat = b1.shape();
  flat.back() = a * b;
  return narrow(reshape(rows, flat), -1, 0, x.size(1));
}

std::string FactorizedDenseLogits::settings() const {
  return fmt::format("heads={}, a={}, b={}", heads_, weight_a.size(2), weight_b.size(2));
}

}  // namespace sg::nn
