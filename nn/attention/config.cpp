#include "synthgrad/nn/attention/config.h"

#include <algorithm>
#include <cmath>

#include "synthgrad/core/error.h"

namespace sg::nn {

namespace {

struct KindName {
  LogitKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {{LogitKind::dot_product, "V"},
                               {LogitKind::dense, "D"},
                               {LogitKind::random, "R"},
                               {LogitKind::random_fixed, "Rfix"},
                               {LogitKind::factorized_dense, "FD"},
                               {LogitKind::factorized_random, "FR"}};

}  // namespace

const char* logit_kind_name(LogitKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

std::vector<LogitKind> parse_variant(const std::string& variant) {
  std::vector<LogitKind> kinds;
  size_t start = 0;
  while (true) {
    const size_t plus = variant.find('+', start);
    const std::string part =
        variant.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    auto it = std::find_if(std::begin(kKinds), std::end(kKinds),
                           [&](const KindName& k) { return part == k.name; });
    SG_CHECK(it != std::end(kKinds),
             "attention variant '{}': unknown part '{}' (expected V, D, R, Rfix, FD or FR joined "
             "by '+')",
             variant, part);
    SG_CHECK(std::find(kinds.begin(), kinds.end(), it->kind) == kinds.end(),
             "attention variant '{}': '{}' appears twice", variant, part);
    kinds.push_back(it->kind);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return kinds;
}

std::pair<int64_t, int64_t> factorized_dense_factors(const AttentionConfig& c) {
  if (c.factor_a > 0 || c.factor_b > 0) {
    // Division, not a * b == max_length: that product overflows for huge factors.
    SG_CHECK(c.factor_a > 0 && c.factor_b > 0 && c.max_length % c.factor_a == 0 &&
                 c.max_length / c.factor_a == c.factor_b,
             "attention FD: factors a={} and b={} must multiply to the maximum length {}",
             c.factor_a, c.factor_b, c.max_length);
    return {c.factor_a, c.factor_b};
  }
  for (int64_t a = static_cast<int64_t>(std::sqrt(static_cast<double>(c.max_length))); a >= 1; --a)
    if (c.max_length % a == 0) return {a, c.max_length / a};
  return {1, c.max_length};
}

const AttentionConfig& checked_sizes(const AttentionConfig& c, const char* op) {
  SG_CHECK(c.dim > 0 && c.heads > 0 && c.dim % c.heads == 0,
           "{}: dim {} must be a positive multiple of heads {}", op, c.dim, c.heads);
  SG_CHECK(c.max_length > 0, "{}: max_length {} must be positive", op, c.max_length);
  SG_CHECK(c.random_rank > 0, "{}: FR's rank {} must be positive", op, c.random_rank);
  return c;
}

void check_sequence_length(const char* op, int64_t length, int64_t max_length) {
  SG_CHECK(length <= max_length, "{}: sequence length {} exceeds the maximum length {}", op, length,
           max_length);
}

void check_query_rows(const char* op, int64_t queries, int64_t length) {
  SG_CHECK(queries >= 1 && queries <= length, "{}: {} query rows of a sequence of length {}", op,
           queries, length);
}

void validate(const AttentionConfig& c) {
  checked_sizes(c, "attention");
  SG_CHECK(c.dropout >= 0.0f && c.dropout < 1.0f, "attention: dropout {} is outside [0, 1)",
           c.dropout);
  const auto kinds = parse_variant(c.variant);
  if (std::find(kinds.begin(), kinds.end(), LogitKind::factorized_dense) != kinds.end())
    factorized_dense_factors(c);
}

int64_t expected_parameter_count(const AttentionConfig& c) {
  const int64_t d = c.dim, h = c.heads, l = c.max_length;
  int64_t total = 2 * (d * d + d);  // value and output projections
  const auto kinds = parse_variant(c.variant);
  for (LogitKind kind : kinds) {
    switch (kind) {
      case LogitKind::dot_product: total += 2 * d * d + 2 * d; break;
      case LogitKind::dense: total += d * d + d + d * l + h * l; break;
      case LogitKind::random: total += h * l * l; break;
      case LogitKind::random_fixed: break;  // a buffer: see expected_buffer_count
      case LogitKind::factorized_random: total += 2 * h * l * c.random_rank; break;
      case LogitKind::factorized_dense: {
        auto [a, b] = factorized_dense_factors(c);
        total += d * d + d + d * (a + b) + h * (a + b);
        break;
      }
    }
  }
  if (kinds.size() > 1) total += static_cast<int64_t>(kinds.size());  // mixing weights
  return total;
}

int64_t expected_buffer_count(const AttentionConfig& c) {
  int64_t total = 0;
  for (LogitKind kind : parse_variant(c.variant))
    if (kind == LogitKind::random_fixed) total += c.heads * c.max_length * c.max_length;
  return total;
}

}  // namespace sg::nn
