// sg_bench softmax: a word-level causal LM's training step (forward and backward of the
// next-token loss) with one softmax over its vocabulary and with a clustered one
// (nn/clustered_softmax.h), at the size pretrain --objective clm trains for CoLA: 17,836 words,
// 3 blocks of width 128, 32 x 128 tokens. The ids follow Zipf's law, as words do.
#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "bench/environment.h"
#include "bench/subcommands.h"
#include "bench/table.h"
#include "bench/timing.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/causal_lm.h"

namespace sg::bench {

namespace {

constexpr int64_t kSpecialTokens = 5;

// Ids drawn with p(rank r) proportional to 1 / r over the words after the special tokens.
Tensor zipf_ids(int64_t batch, int64_t length, int64_t vocab, uint64_t seed) {
  std::vector<double> cumulative;
  double total = 0;
  for (int64_t r = 1; r <= vocab - kSpecialTokens; ++r) cumulative.push_back(total += 1.0 / r);
  Generator gen(seed);
  std::vector<int64_t> ids(static_cast<size_t>(batch * length));
  for (int64_t& id : ids) {
    const double u = gen.uniform() * total;
    id = kSpecialTokens +
         (std::lower_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
  }
  return from_vector(ids, {batch, length});
}

// The share of `ids` below `cutoff`: the positions whose next word the head alone predicts.
double head_share(const Tensor& ids, int64_t cutoff) {
  const std::vector<int64_t> v = ids.to_vector<int64_t>();
  return static_cast<double>(
             std::count_if(v.begin(), v.end(), [&](int64_t id) { return id < cutoff; })) /
         static_cast<double>(v.size());
}

}  // namespace

int run_softmax(const Options& options) {
  print_environment();
  const int64_t vocab = 17836, batch = options.quick ? 4 : 32, length = 128;
  print_heading(fmt::format(
      "causal LM training step (loss, backward): V attention, 3 blocks x 128, {} words, {} x {} "
      "tokens of Zipf-distributed ids",
      vocab, batch, length));
  const Tensor ids = zipf_ids(batch, length + 1, vocab, 1);
  const Repeats repeats{.warmup = 2, .runs = options.quick ? 3 : 9};
  Table table({{"softmax"}, {"head share"}, {"median ms"}, {"min ms"}, {"tokens/s"}, {"speed-up"}});
  double one_softmax_s = 0;
  for (const std::vector<int64_t>& cutoffs :
       {std::vector<int64_t>{}, std::vector<int64_t>{1000, 4000},
        std::vector<int64_t>{2000, 6000}}) {
    models::CausalLM lm({.vocab_size = vocab,
                         .dim = 128,
                         .heads = 4,
                         .layers = 3,
                         .max_length = length,
                         .dropout = 0.0f,
                         .attention_dropout = 0.0f,
                         .softmax_cutoffs = cutoffs,
                         .verbose = false});
    const Timing t = time_runs(
        [&] {
          lm.zero_grad();
          lm.loss(ids).backward();
        },
        repeats);
    if (cutoffs.empty()) one_softmax_s = t.median_s;
    table.add_row({cutoffs.empty() ? "one" : fmt::format("clustered {},{}", cutoffs[0], cutoffs[1]),
                   cutoffs.empty() ? "1.00" : fmt::format("{:.2f}", head_share(ids, cutoffs[0])),
                   fmt::format("{:.1f}", t.median_s * 1e3), fmt::format("{:.1f}", t.min_s * 1e3),
                   fmt::format("{:.0f}", static_cast<double>(batch * length) / t.median_s),
                   fmt::format("{:.2f}x", one_softmax_s / t.median_s)});
  }
  table.print();
  return 0;
}

}  // namespace sg::bench
