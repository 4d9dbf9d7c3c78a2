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

// Which next tokens count, read once from the ids: the predictions of positions 0 .. L-2.
struct CountedTargets {
  Tensor mean_weights;  // f32 [B, L-1]: 1 / count at counted targets, else 0
  Tensor uncounted;     // b8 [B, L-1]
  Tensor unigram;       // f32 [B, L-1]: a counted target's unigram surprisal (plus log a)
  Tensor flat_targets;  // i64 [B * (L-1)]: (b * (L-1) + t) * V + target, into the log-probs
  Tensor log_count;     // f32 [B, 1]: log of the counted targets' number (0 with none)
  Tensor any_counted;   // f32 [B, 1]: 1, or 0 for an example with no counted target
};

CountedTargets counted_targets(const Tensor& ids, const Tensor& padding,
                               const Tensor& token_weights) {
  const int64_t batch = ids.size(0), length = ids.size(1), predicted = length - 1;
  const int64_t vocab = token_weights.size(0);
  const Tensor id = ids.to(DType::i64).contiguous();
  const Tensor pad = padding.defined() ? padding.contiguous() : zeros(ids.shape(), DType::b8);
  const Tensor weight_of = token_weights.contiguous();
  const auto n = static_cast<size_t>(batch * predicted);
  std::vector<float> mean_weights(n, 0.0f), unigram(n, 0.0f), log_count(batch), any(batch);
  std::vector<uint8_t> uncounted(n, 1);
  std::vector<int64_t> flat(n);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t count = 0;
    for (int64_t t = 0; t < predicted; ++t) {
      const auto p = static_cast<size_t>(b * predicted + t);
      const int64_t target = id.data<int64_t>()[b * length + t + 1];
      flat[p] = static_cast<int64_t>(p) * vocab + target;
      const float w = weight_of.data<float>()[target];
      if (pad.data<uint8_t>()[b * length + t + 1] != 0 || !(w > 0.0f)) continue;
      uncounted[p] = 0;
      // An unseen word weighs 1: the rarest there is, not an infinite surprisal.
      const double kept = std::min<double>(w, 1.0 - 1e-6);
      unigram[p] = static_cast<float>(std::log(kept / (1.0 - kept)));
      ++count;
    }
    for (int64_t t = 0; t < predicted && count > 0; ++t)
      if (uncounted[static_cast<size_t>(b * predicted + t)] == 0)
        mean_weights[static_cast<size_t>(b * predicted + t)] = 1.0f / static_cast<float>(count);
    log_count[static_cast<size_t>(b)] = count > 0 ? std::log(static_cast<float>(count)) : 0.0f;
    any[static_cast<size_t>(b)] = count > 0 ? 1.0f : 0.0f;
  }
  const Shape grid{batch, predicted}, column{batch, 1};
  return {.mean_weights = from_vector(mean_weights, grid),
          .uncounted = from_vector(uncounted, grid),
          .unigram = from_vector(unigram, grid),
          .flat_targets = from_vector(flat),
          .log_count = from_vector(log_count, column),
          .any_counted = from_vector(any, column)};
}

void check_inputs(const Variable& hidden, const Variable& output_embedding, const Tensor& ids,
                  const Tensor& padding, const Tensor& token_weights) {
  const bool fits = hidden.dim() == 3 && ids.dim() == 2 && hidden.shape()[0] == ids.size(0) &&
                    hidden.shape()[1] == ids.size(1) && ids.size(1) >= 2 &&
                    output_embedding.dim() == 2 && output_embedding.shape()[1] == hidden.shape()[2];
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

Variable surprisal_features(const Variable& hidden, const Variable& output_embedding,
                            const Tensor& ids, const Tensor& padding, const Tensor& token_weights) {
  check_inputs(hidden, output_embedding, ids, padding, token_weights);
  const int64_t batch = ids.size(0), predicted = ids.size(1) - 1;
  const int64_t vocab = output_embedding.shape()[0];
  const CountedTargets c = counted_targets(ids, padding, token_weights);
  const Variable log_probs =
      log_softmax(matmul(narrow(hidden, 1, 0, predicted), transpose(output_embedding, 0, 1)), 2);
  // Each position's log-probability of its next token, picked as an embedding picks rows.
  const Variable picked =
      embedding(reshape(log_probs, {batch * predicted * vocab, 1}), c.flat_targets);
  const Variable surprisal = masked_fill(neg(reshape(picked, {batch, predicted})), c.uncounted, 0);
  const Variable mean_surprisal = sum(mul(surprisal, Variable(c.mean_weights)), {1}, true);
  // Surprisals are >= 0, so the zeros of uncounted positions never exceed a counted one.
  const Variable largest_surprisal = max(surprisal, {1}, true);
  const Variable above_unigram =
      masked_fill(sub(surprisal, Variable(c.unigram)), c.uncounted, -1e9f);
  const Variable worst_transition = mul(max(above_unigram, {1}, true), Variable(c.any_counted));
  const Variable mean_unigram(sum(mul(c.unigram, c.mean_weights), {1}, true));
  return mul(concat({mean_surprisal, largest_surprisal, mean_unigram, worst_transition,
                     Variable(c.log_count)},
                    1),
             0.1f);
}

}  // namespace sg::models
