#include "synthgrad/nn/clustered_softmax.h"

#include <fmt/ranges.h>

#include <algorithm>

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/indexing.h"
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/autograd/softmax.h"
#include "synthgrad/core/core.h"

namespace sg::nn {

namespace {

int64_t vocabulary(const ClusteredSoftmax& o) {
  return o.embedding.shape()[0];
}

int64_t head_words(const ClusteredSoftmax& o) {
  return o.cutoffs.empty() ? vocabulary(o) : o.cutoffs[0];
}

// log p over the head, [N, K + C]: the K most frequent words, then one entry per cluster.
Variable head_log_probabilities(const ClusteredSoftmax& o, const Variable& states) {
  const Variable weight =
      o.cutoffs.empty() ? o.embedding
                        : concat({narrow(o.embedding, 0, 0, head_words(o)), o.cluster_vectors}, 0);
  return log_softmax(matmul(states, transpose(weight, 0, 1)), 1);
}

// log p(word | cluster c, state) over cluster c's words: [n, its size].
Variable cluster_log_probabilities(const ClusteredSoftmax& o, const Variable& states, size_t c) {
  const int64_t first = o.cutoffs[c];
  const int64_t end = c + 1 < o.cutoffs.size() ? o.cutoffs[c + 1] : vocabulary(o);
  return log_softmax(matmul(states, transpose(narrow(o.embedding, 0, first, end - first), 0, 1)),
                     1);
}

// Element columns[n] of each row n of x [N, W]: [N, 1], picked as an embedding picks rows.
Variable pick(const Variable& x, const std::vector<int64_t>& columns) {
  const int64_t rows = x.shape()[0], width = x.shape()[1];
  std::vector<int64_t> flat(columns.size());
  for (size_t n = 0; n < columns.size(); ++n)
    flat[n] = static_cast<int64_t>(n) * width + columns[n];
  return embedding(reshape(x, {rows * width, 1}), from_vector(flat));
}

// Where each target is read: its head column (the word, or its cluster's entry), and per cluster
// the rows whose target is in it with the target's column there.
struct TargetPlaces {
  std::vector<int64_t> head_columns;
  std::vector<std::vector<int64_t>> rows, columns;
};

TargetPlaces place_targets(const ClusteredSoftmax& o, const std::vector<int64_t>& targets,
                           const char* op) {
  const int64_t head = head_words(o);
  TargetPlaces p{.head_columns = std::vector<int64_t>(targets.size()),
                 .rows = std::vector<std::vector<int64_t>>(o.cutoffs.size()),
                 .columns = std::vector<std::vector<int64_t>>(o.cutoffs.size())};
  for (size_t n = 0; n < targets.size(); ++n) {
    const int64_t t = targets[n];
    SG_CHECK(t >= 0 && t < vocabulary(o), "{}: target {} at row {} is outside [0, {})", op, t, n,
             vocabulary(o));
    if (t < head) {
      p.head_columns[n] = t;
      continue;
    }
    const auto c = static_cast<size_t>(std::upper_bound(o.cutoffs.begin(), o.cutoffs.end(), t) -
                                       o.cutoffs.begin() - 1);
    p.head_columns[n] = head + static_cast<int64_t>(c);
    p.rows[c].push_back(static_cast<int64_t>(n));
    p.columns[c].push_back(t - o.cutoffs[c]);
  }
  return p;
}

void check_states(const ClusteredSoftmax& o, const Variable& states, const char* op) {
  check_clustered_softmax(o, op);
  SG_CHECK(states.dim() == 2 && states.shape()[1] == o.embedding.shape()[1],
           "{}: states must be [N, {}] for an output embedding {}, got {}", op,
           o.embedding.shape()[1], shape_str(o.embedding.shape()), shape_str(states.shape()));
}

}  // namespace

void check_softmax_cutoffs(const std::vector<int64_t>& cutoffs, int64_t vocab, const char* op) {
  int64_t previous = 0;
  for (int64_t cutoff : cutoffs) {
    SG_CHECK(previous < cutoff && cutoff < vocab,
             "{}: softmax cutoffs {} must increase inside (0, {}) (the vocabulary's size)", op,
             fmt::join(cutoffs, ","), vocab);
    previous = cutoff;
  }
}

void check_clustered_softmax(const ClusteredSoftmax& o, const char* op) {
  SG_CHECK(o.embedding.defined() && o.embedding.dim() == 2,
           "{}: the output embedding must be [V, d], got {}", op,
           o.embedding.defined() ? shape_str(o.embedding.shape()) : "none");
  check_softmax_cutoffs(o.cutoffs, vocabulary(o), op);
  const Shape clusters{static_cast<int64_t>(o.cutoffs.size()), o.embedding.shape()[1]};
  SG_CHECK(
      o.cutoffs.empty() || (o.cluster_vectors.defined() && o.cluster_vectors.shape() == clusters),
      "{}: {} softmax cutoffs need cluster vectors {}, got {}", op, o.cutoffs.size(),
      shape_str(clusters),
      o.cluster_vectors.defined() ? shape_str(o.cluster_vectors.shape()) : "none");
}

Variable token_log_likelihood(const ClusteredSoftmax& o, const Variable& states,
                              const Tensor& targets) {
  const char* op = "token_log_likelihood";
  check_states(o, states, op);
  SG_CHECK((targets.dtype() == DType::i32 || targets.dtype() == DType::i64) &&
               targets.shape() == Shape{states.shape()[0]},
           "{}: targets must be i32/i64 [{}] for states {}, got {}", op, states.shape()[0],
           shape_str(states.shape()), describe(targets));
  const TargetPlaces places = place_targets(o, targets.to(DType::i64).to_vector<int64_t>(), op);
  const Variable in_head = pick(head_log_probabilities(o, states), places.head_columns);
  // Each row's log p(word | cluster): a zero for head words, else its cluster's pick.
  std::vector<Variable> parts{Variable(zeros({1, 1}))};
  std::vector<int64_t> part_of(places.head_columns.size(), 0);
  int64_t filled = 1;  // rows of the parts so far
  for (size_t c = 0; c < places.rows.size(); ++c) {
    if (places.rows[c].empty()) continue;
    for (int64_t row : places.rows[c]) part_of[static_cast<size_t>(row)] = filled++;
    const Variable states_in = embedding(states, from_vector(places.rows[c]));
    parts.push_back(pick(cluster_log_probabilities(o, states_in, c), places.columns[c]));
  }
  if (parts.size() == 1) return in_head;
  return add(in_head, embedding(concat(parts, 0), from_vector(part_of)));
}

Variable token_log_probabilities(const ClusteredSoftmax& o, const Variable& states) {
  check_states(o, states, "token_log_probabilities");
  const Variable head = head_log_probabilities(o, states);
  if (o.cutoffs.empty()) return head;
  const int64_t words = head_words(o);
  std::vector<Variable> pieces{narrow(head, 1, 0, words)};
  for (size_t c = 0; c < o.cutoffs.size(); ++c)
    pieces.push_back(add(cluster_log_probabilities(o, states, c),
                         narrow(head, 1, words + static_cast<int64_t>(c), 1)));
  return concat(pieces, 1);
}

}  // namespace sg::nn
