// The clustered softmax against its definition in doubles, p(word) = p(cluster) p(word | cluster),
// and against finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/clustered_softmax.h"

using namespace sg;
using sg::testing::error_message;

namespace {

constexpr int64_t kRows = 6, kDim = 3, kVocab = 9;
// Head: ids 0-2 and two cluster entries; cluster 0 holds ids 3-5, cluster 1 ids 6-8.
const std::vector<int64_t> kCutoffs{3, 6};

struct Inputs {
  Tensor states, embedding, clusters;
};

Inputs inputs(uint64_t seed) {
  Generator gen(seed);
  return {randn({kRows, kDim}, gen), randn({kVocab, kDim}, gen), randn({2, kDim}, gen)};
}

nn::ClusteredSoftmax clustered(const Variable& embedding, const Variable& clusters) {
  return {.embedding = embedding, .cutoffs = kCutoffs, .cluster_vectors = clusters};
}

// log softmax of the dot products of `state` with `vectors` (rows of d numbers), in doubles.
std::vector<double> log_softmax_of(const float* state, const std::vector<const float*>& vectors) {
  std::vector<double> logits;
  for (const float* v : vectors) {
    double dot = 0;
    for (int64_t d = 0; d < kDim; ++d) dot += static_cast<double>(state[d]) * v[d];
    logits.push_back(dot);
  }
  double norm = 0;
  for (double l : logits) norm += std::exp(l);
  for (double& l : logits) l -= std::log(norm);
  return logits;
}

// log p(v | row n) for every v, from the definition.
std::vector<double> expected_log_probs(const Inputs& in, int64_t n) {
  const float* e = in.embedding.data<float>();
  const float* state = in.states.data<float>() + n * kDim;
  std::vector<const float*> head_vectors{e, e + kDim, e + 2 * kDim, in.clusters.data<float>(),
                                         in.clusters.data<float>() + kDim};
  const std::vector<double> head = log_softmax_of(state, head_vectors);
  std::vector<double> out(head.begin(), head.begin() + 3);
  for (int64_t c = 0; c < 2; ++c) {
    std::vector<const float*> words;
    for (int64_t v = 3 * (c + 1); v < 3 * (c + 2); ++v) words.push_back(e + v * kDim);
    for (double in_cluster : log_softmax_of(state, words))
      out.push_back(head[static_cast<size_t>(3 + c)] + in_cluster);
  }
  return out;
}

}  // namespace

TEST_CASE("clustered softmax: p(word) = p(cluster) p(word | cluster), summing to 1 per row") {
  const Inputs in = inputs(1);
  const Tensor got =
      nn::token_log_probabilities(clustered(in.embedding, in.clusters), in.states).data();
  REQUIRE(got.shape() == Shape{kRows, kVocab});
  for (int64_t n = 0; n < kRows; ++n) {
    const std::vector<double> want = expected_log_probs(in, n);
    double total = 0;
    for (int64_t v = 0; v < kVocab; ++v) {
      CHECK(got.at<float>({n, v}) == doctest::Approx(want[static_cast<size_t>(v)]).epsilon(1e-5));
      total += std::exp(static_cast<double>(got.at<float>({n, v})));
    }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
  }
}

TEST_CASE("clustered softmax: a target's log-likelihood is its entry of the whole distribution") {
  const Inputs in = inputs(2);
  const nn::ClusteredSoftmax output = clustered(in.embedding, in.clusters);
  const Tensor all = nn::token_log_probabilities(output, in.states).data();
  // Head words, both clusters, and (second set) no target in cluster 0.
  for (const std::vector<int64_t>& targets :
       {std::vector<int64_t>{0, 4, 8, 2, 3, 6}, std::vector<int64_t>{7, 1, 8, 0, 6, 2}}) {
    const Tensor got = nn::token_log_likelihood(output, in.states, from_vector(targets)).data();
    REQUIRE(got.shape() == Shape{kRows, 1});
    for (int64_t n = 0; n < kRows; ++n)
      CHECK(got.at<float>({n, 0}) ==
            doctest::Approx(all.at<float>({n, targets[static_cast<size_t>(n)]})).epsilon(1e-6));
  }
}

TEST_CASE("clustered softmax without cutoffs is the plain log-softmax of the dot products") {
  const Inputs in = inputs(3);
  const nn::ClusteredSoftmax output{.embedding = in.embedding};
  const Tensor want =
      log_softmax(matmul(Variable(in.states), transpose(Variable(in.embedding), 0, 1)), 1).data();
  CHECK(nn::token_log_probabilities(output, in.states).data().to_vector<float>() ==
        want.to_vector<float>());
  const std::vector<int64_t> targets{8, 0, 3, 3, 5, 1};
  const Tensor got = nn::token_log_likelihood(output, in.states, from_vector(targets)).data();
  for (int64_t n = 0; n < kRows; ++n)
    CHECK(got.at<float>({n, 0}) == want.at<float>({n, targets[static_cast<size_t>(n)]}));
}

TEST_CASE("gradcheck: clustered softmax with respect to states, word and cluster vectors") {
  const Inputs in = inputs(4);
  const Tensor targets = from_vector(std::vector<int64_t>{0, 4, 8, 2, 7, 5});
  for (bool whole : {false, true}) {
    INFO((whole ? "token_log_probabilities" : "token_log_likelihood"));
    const GradcheckResult r = gradcheck(
        [&](const std::vector<Variable>& v) {
          const nn::ClusteredSoftmax output = clustered(v[1], v[2]);
          return whole ? nn::token_log_probabilities(output, v[0])
                       : nn::token_log_likelihood(output, v[0], targets);
        },
        {in.states, in.embedding, in.clusters});
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("clustered softmax: bad cutoffs, cluster vectors, states or targets are refused") {
  const Inputs in = inputs(5);
  const Tensor targets = from_vector(std::vector<int64_t>{0, 1, 2, 3, 4, 5});
  const auto refusal = [&](const nn::ClusteredSoftmax& output, const Tensor& states,
                           const Tensor& wanted) {
    return error_message([&] { nn::token_log_likelihood(output, states, wanted); });
  };
  CHECK(refusal({.embedding = in.embedding, .cutoffs = {6, 3}, .cluster_vectors = in.clusters},
                in.states, targets) ==
        "token_log_likelihood: softmax cutoffs 6,3 must increase inside (0, 9) (the "
        "vocabulary's size)");
  CHECK(refusal({.embedding = in.embedding, .cutoffs = {3, 9}, .cluster_vectors = in.clusters},
                in.states, targets)
            .starts_with("token_log_likelihood: softmax cutoffs 3,9 must increase"));
  CHECK(refusal({.embedding = in.embedding, .cutoffs = kCutoffs}, in.states, targets) ==
        "token_log_likelihood: 2 softmax cutoffs need cluster vectors [2, 3], got none");
  CHECK(refusal(clustered(in.embedding, in.clusters), in.states.narrow(1, 0, 2), targets) ==
        "token_log_likelihood: states must be [N, 3] for an output embedding [9, 3], got [6, 2]");
  CHECK(refusal(clustered(in.embedding, in.clusters), in.states,
                from_vector(std::vector<int64_t>{0, 1, 2, 9, 4, 5})) ==
        "token_log_likelihood: target 9 at row 3 is outside [0, 9)");
  CHECK(refusal(clustered(in.embedding, in.clusters), in.states, targets.narrow(0, 0, 5))
            .starts_with("token_log_likelihood: targets must be i32/i64 [6] for states [6, 3]"));
}
