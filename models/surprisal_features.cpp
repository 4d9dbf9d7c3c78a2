#include "synthgrad/models/surprisal_features.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/indexing.h"
#include "synthgrad/autograd/matmul.h"
#include "synthgrad/autograd/reductions.h"
#include "synthgrad/autograd/shape_ops.h"
#include "synthgrad/autograd/softmax.h"
#include "synthgrad/core/core.h"

namespace sg::models {

namespace {

// The positions whose next token counts, read once from the ids: only their logits are computed
// (a batch of short sentences padded to its longest has many that do not).
struct CountedTargets {
  int64_t count = 0;    // N, over the batch
  Tensor rows;          // i64 [N]: b * L + t, the position that predicts token t + 1 of example b
  Tensor targets;       // i64 [N]: that token
  Tensor unigram;       // f32 [N, 1]: the token's unigram surprisal (plus log a)
  Tensor mean_weights;  // f32 [B, N]: 1 / (example b's count) where row n is one of b's
  Tensor grid;          // i64 [B * (L-1)]: the row of each position, N where none counts
  Tensor log_count;     // f32 [B, 1]: log of the example's count (0 with none)
  Tensor any_counted;   // f32 [B, 1]: 1, or 0 for an example with no counted token
};

CountedTargets counted_targets(const Tensor& ids, const Tensor& padding,
                               const Tensor& token_weights) {
  const int64_t batch = ids.size(0), length = ids.size(1), predicted = length - 1;
  const Tensor id = ids.to(DType::i64).contiguous();
  const Tensor pad = padding.defined() ? padding.contiguous() : zeros(ids.shape(), DType::b8);
  const Tensor weight_of = token_weights.contiguous();
  std::vector<int64_t> rows, targets, owner, grid(static_cast<size_t>(batch * predicted));
  std::vector<float> unigram, log_count(static_cast<size_t>(batch)), any(log_count.size());
  std::vector<int64_t> per_example(static_cast<size_t>(batch), 0);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < predicted; ++t) {
      const int64_t target = id.data<int64_t>()[b * length + t + 1];
      const float w = weight_of.data<float>()[target];
      int64_t& cell = grid[static_cast<size_t>(b * predicted + t)];
      cell = -1;
      if (pad.data<uint8_t>()[b * length + t + 1] != 0 || !(w > 0.0f)) continue;
      cell = static_cast<int64_t>(rows.size());
      rows.push_back(b * length + t);
      targets.push_back(target);
      owner.push_back(b);
      // An unseen word weighs 1: the rarest there is, not an infinite surprisal.
      const double kept = std::min<double>(w, 1.0 - 1e-6);
      unigram.push_back(static_cast<float>(std::log(kept / (1.0 - kept))));
      ++per_example[static_cast<size_t>(b)];
    }
    const auto n = static_cast<float>(per_example[static_cast<size_t>(b)]);
    log_count[static_cast<size_t>(b)] = n > 0 ? std::log(n) : 0.0f;
    any[static_cast<size_t>(b)] = n > 0 ? 1.0f : 0.0f;
  }
  const auto count = static_cast<int64_t>(rows.size());
  for (int64_t& cell : grid)
    if (cell < 0) cell = count;
  std::vector<float> mean_weights(static_cast<size_t>(batch * count), 0.0f);
  for (int64_t n = 0; n < count; ++n) {
    const int64_t b = owner[static_cast<size_t>(n)];
    mean_weights[static_cast<size_t>(b * count + n)] =
        1.0f / static_cast<float>(per_example[static_cast<size_t>(b)]);
  }
  const Shape column{batch, 1};
  return {.count = count,
          .rows = from_vector(rows),
          .targets = from_vector(targets),
          .unigram = from_vector(unigram, {count, 1}),
          .mean_weights = from_vector(mean_weights, {batch, count}),
          .grid = from_vector(grid),
          .log_count = from_vector(log_count, column),
          .any_counted = from_vector(any, column)};
}

void check_inputs(const Variable& hidden, const nn::ClusteredSoftmax& output, const Tensor& ids,
                  const Tensor& padding, const Tensor& token_weights) {
  nn::check_clustered_softmax(output, "surprisal_features");
  const Variable& output_embedding = output.embedding;
  const bool fits = hidden.dim() == 3 && ids.dim() == 2 && hidden.shape()[0] == ids.size(0) &&
                    hidden.shape()[1] == ids.size(1) && ids.size(1) >= 2 &&
                    output_embedding.shape()[1] == hidden.shape()[2];
  SG_CHECK(fits,
           "surprisal_features: need hidden [B, L >= 2, d], ids [B, L] and an output embedding "
           "[V, d], got hidden {}, ids {}, output embedding {}",
           shape_str(hidden.shape()), describe(ids), shape_str(output_embedding.shape()));
  SG_CHECK(token_weights.defined() && token_weights.dtype() == DType::f32 &&
               token_weights.shape() == Shape{output_embedding.shape()[0]},
           "surprisal_features: token weights must be f32 [{}] (pretrain --token-weights), got {}",
           output_embedding.shape()[0], describe(token_weights));
  SG_CHECK(!padding.defined() || (padding.dtype() == DType::b8 && padding.shape() == ids.shape()),
           "surprisal_features: the padding mask must be b8 {}, got {}", shape_str(ids.shape()),
           describe(padding));
}

}  // namespace

Variable surprisal_features(const Variable& hidden, const nn::ClusteredSoftmax& output,
                            const Tensor& ids, const Tensor& padding, const Tensor& token_weights) {
  check_inputs(hidden, output, ids, padding, token_weights);
  const int64_t batch = ids.size(0), length = ids.size(1), dim = hidden.shape()[2];
  const CountedTargets c = counted_targets(ids, padding, token_weights);
  if (c.count == 0) return Variable(zeros({batch, kSurprisalFeatures}));
  // The counted positions' states (rows picked as an embedding picks them) and the
  // log-probability of the token that follows each.
  const Variable states = embedding(reshape(hidden, {batch * length, dim}), c.rows);
  const Variable surprisal = neg(nn::token_log_likelihood(output, states, c.targets));
  // Per-row values laid out [B, L-1] for a maximum over each example, `absent` where none counts.
  const auto on_grid = [&](const Variable& per_row, float absent) {
    const Variable with_absent = concat({per_row, Variable(full({1, 1}, absent))}, 0);
    return reshape(embedding(with_absent, c.grid), {batch, length - 1});
  };
  const Variable mean_surprisal = matmul(Variable(c.mean_weights), surprisal);
  // Surprisals are >= 0, so the zeros of positions that do not count never exceed one that does.
  const Variable largest_surprisal = max(on_grid(surprisal, 0.0f), {1}, true);
  const Variable above_unigram = on_grid(sub(surprisal, Variable(c.unigram)), -1e9f);
  const Variable worst_transition = mul(max(above_unigram, {1}, true), Variable(c.any_counted));
  const Variable mean_unigram(matmul(c.mean_weights, c.unigram));
  return concat(
      {mean_surprisal, largest_surprisal, mean_unigram, worst_transition, Variable(c.log_count)},
      1);
}

}  // namespace sg::models
