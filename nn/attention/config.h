#pragma once
// Settings shared by every token-mixing layer of the attention family. Variants are named as in
// the Synthesizer paper and combined with '+': "V", "D", "R", "Rfix", "FD", "FR", "R+V", "D+V",
// "R+D+V", ... (see docs/attention.md and ../shared/design/synthesizer.md).
#include <cstdint>
#include <string>
#include <vector>

namespace sg::nn {

struct AttentionConfig {
  int64_t dim = 256;
  int64_t heads = 4;
  int64_t max_length = 128;  // l: the synthetic matrices are l x l; longer inputs are an error
  std::string variant = "V";
  float dropout = 0.0f;  // on the attention probabilities, in training
  int64_t factor_a = 0;  // FD: l = a * b; 0 picks the most square factorisation
  int64_t factor_b = 0;
  int64_t random_rank = 8;  // FR: k
};

enum class LogitKind {
  dot_product,
  dense,
  random,
  random_fixed,
  factorized_dense,
  factorized_random
};

// "R+V" -> {random, dot_product}; throws naming the unknown or repeated part.
std::vector<LogitKind> parse_variant(const std::string& variant);
const char* logit_kind_name(LogitKind kind);

// Checks every field; throws sg::Error naming the bad one.
void validate(const AttentionConfig& config);
// Checks the sizes a logit source is built from (dim, heads, max_length, random_rank), naming `op`:
// a source built on its own, outside an Attention, would divide by zero heads. Returns config.
const AttentionConfig& checked_sizes(const AttentionConfig& config, const char* op);
// Throws unless a sequence of `length` fits a source built for `max_length` positions.
void check_sequence_length(const char* op, int64_t length, int64_t max_length);
// Throws unless 1 <= queries <= length: the query rows a source's forward_queries can give.
void check_query_rows(const char* op, int64_t queries, int64_t length);

// FD's (a, b) with a * b = max_length: the configured ones, or the most square pair.
std::pair<int64_t, int64_t> factorized_dense_factors(const AttentionConfig& config);

// Parameter count a layer must have, from the formulas of the design note.
int64_t expected_parameter_count(const AttentionConfig& config);

// Values a layer holds in buffers besides its parameters: Rfix's fixed H x l x l matrices, which
// take as much memory as R's trainable ones though no parameter count shows them.
int64_t expected_buffer_count(const AttentionConfig& config);

}  // namespace sg::nn
