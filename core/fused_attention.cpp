#include "synthgrad/core/fused_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "synthgrad/core/blas.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/fast_math.h"
#include "synthgrad/core/lane_sum.h"
#include "synthgrad/core/parallel.h"
#include "synthgrad/core/simd_dispatch.h"

namespace sg {

namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
// A block of 64 x 128 logits (32 KiB) and its companions stay in L1/L2 while the block's products
// run (two in the forward, five in the backward); 64 query rows amortise each key block's packing.
constexpr int64_t kQueryBlock = 64;
constexpr int64_t kKeyBlock = 128;

// The sizes of one call, checked once.
struct Geometry {
  int64_t batch, length, heads, dk, dv;
  bool dot_product;         // a Q K^T term
  bool logits_per_example;  // [B, H, L, L] logits; else one [H, L, L] for the whole batch
  bool shared_logits;       // one logits tensor for a batch of several: the backward sums over it
  // Shared logits alone, without padding: the probabilities are the same for every example, so
  // they are computed once per call (a softmax per head) rather than once per example.
  bool shared_probabilities;
  int64_t qk_stride() const { return heads * dk; }
  int64_t v_stride() const { return heads * dv; }
  int64_t query_blocks() const { return (length + kQueryBlock - 1) / kQueryBlock; }
};

Geometry check_inputs(const FusedAttentionInputs& in) {
  const char* op = "fused_attention";
  SG_CHECK(in.value.defined() && in.value.dtype() == DType::f32 && in.value.dim() == 3,
           "{}: value must be f32 [batch, length, heads * d_head], got {}", op,
           in.value.defined() ? shape_str(in.value.shape()) : "undefined");
  SG_CHECK(in.heads >= 1 && in.value.size(2) % in.heads == 0,
           "{}: value width {} does not split into {} heads", op, in.value.size(2), in.heads);
  Geometry g{.batch = in.value.size(0),
             .length = in.value.size(1),
             .heads = in.heads,
             .dk = 0,
             .dv = in.value.size(2) / in.heads,
             .dot_product = in.query.defined(),
             .logits_per_example = false,
             .shared_logits = false,
             .shared_probabilities = false};
  SG_CHECK(in.query.defined() == in.key.defined(), "{}: query and key come together", op);
  SG_CHECK(g.dot_product || in.logits.defined(), "{}: needs query and key, or logits", op);
  if (g.dot_product) {
    SG_CHECK(in.query.dtype() == DType::f32 && in.key.dtype() == DType::f32 &&
                 in.query.shape() == in.key.shape() && in.query.dim() == 3 &&
                 in.query.size(0) == g.batch && in.query.size(1) == g.length &&
                 in.query.size(2) % in.heads == 0,
             "{}: query {} and key {} must be f32 [{}, {}, heads * d_head] (value {}, {} heads)",
             op, shape_str(in.query.shape()), shape_str(in.key.shape()), g.batch, g.length,
             shape_str(in.value.shape()), in.heads);
    g.dk = in.query.size(2) / in.heads;
  }
  if (in.logits.defined()) {
    const Shape& s = in.logits.shape();
    const bool shared =
        s == Shape({g.heads, g.length, g.length}) || s == Shape({1, g.heads, g.length, g.length});
    SG_CHECK(in.logits.dtype() == DType::f32 &&
                 (shared || s == Shape({g.batch, g.heads, g.length, g.length})),
             "{}: logits {} are not [{}, {}, {}, {}] or shared [1, {}, {}, {}] / [{}, {}, {}]", op,
             shape_str(s), g.batch, g.heads, g.length, g.length, g.heads, g.length, g.length,
             g.heads, g.length, g.length);
    g.logits_per_example = !shared;
    g.shared_logits = shared && g.batch > 1;
    g.shared_probabilities = shared && !g.dot_product && !in.padding.defined();
  }
  SG_CHECK(!in.padding.defined() || (in.padding.dtype() == DType::b8 &&
                                     in.padding.shape() == Shape({g.batch, g.length})),
           "{}: padding must be b8 [{}, {}], got {}", op, g.batch, g.length,
           in.padding.defined() ? shape_str(in.padding.shape()) : "");
  SG_CHECK(in.dropout.p == 0.0f || in.dropout.numel == g.batch * g.heads * g.length * g.length,
           "{}: a dropout mask of {} elements for probabilities [{}, {}, {}, {}]", op,
           in.dropout.numel, g.batch, g.heads, g.length, g.length);
  return g;
}

// Contiguous copies (or the tensors themselves) that the blocks read through raw pointers.
struct Operands {
  Tensor query, key, value, logits, padding;
  explicit Operands(const FusedAttentionInputs& in) {
    query = contiguous_or_none(in.query);
    key = contiguous_or_none(in.key);
    value = contiguous_or_none(in.value);
    logits = contiguous_or_none(in.logits);
    padding = contiguous_or_none(in.padding);
  }
};

// Where one head of one example lives in the operands.
struct Head {
  int64_t batch, head;
  const float *q = nullptr, *k = nullptr, *v = nullptr, *logits = nullptr;
  const uint8_t* padding = nullptr;
  // This head's [L, L] probabilities and [L] log-sum-exps, when shared by the examples.
  const float *probabilities = nullptr, *probabilities_lse = nullptr;
};

// The loops over a row of a block, each also compiled for AVX-512 (core/simd_dispatch.h): at
// sequence 512 they were a fifth of the attention's time on 8 lanes.

// exp(s - m) with masked entries exactly 0 (m is finite here). The exponentials and their sum are
// separate loops so that each vectorises.
SG_ALSO_FOR_AVX512 void exp_row(float* s, int64_t n, float m) {
  for (int64_t c = 0; c < n; ++c) s[c] = s[c] == kMinusInf ? 0.0f : fast_exp(s[c] - m);
}

SG_ALSO_FOR_AVX512 double row_sum(const float* x, int64_t n) {
  return lane_sum(n, [x](int64_t c) { return x[c]; });
}

SG_ALSO_FOR_AVX512 float row_max(const float* x, int64_t n) {
  return lane_max(x, n);
}

// out = x * factors (dropout's factors); out may be x.
SG_ALSO_FOR_AVX512 void multiply_row(const float* x, const float* factors, float* out, int64_t n) {
  for (int64_t c = 0; c < n; ++c) out[c] = x[c] * factors[c];
}

// Softmax's backward on a row: ds = p * (dp - delta), with dp (in ds on entry) first through
// dropout's factors when there are any.
SG_ALSO_FOR_AVX512 void attention_softmax_backward_row(const float* p, const float* factors,
                                                       float delta, float* ds, int64_t n) {
  if (factors)
    for (int64_t c = 0; c < n; ++c) ds[c] = p[c] * (ds[c] * factors[c] - delta);
  else
    for (int64_t c = 0; c < n; ++c) ds[c] = p[c] * (ds[c] - delta);
}

// Softmax of shared logits (under the causal mask), computed once per call: [H, L, L] and the
// rows' log-sum-exps [H, L].
struct SharedProbabilities {
  Tensor probabilities, lse;
};

SharedProbabilities shared_probabilities(const Geometry& g, const Operands& op, bool causal) {
  SharedProbabilities shared{Tensor::empty({g.heads, g.length, g.length}),
                             Tensor::empty({g.heads, g.length})};
  const float* logits = op.logits.data<float>();
  float* p = shared.probabilities.data<float>();
  float* lse = shared.lse.data<float>();
  parallel_for(0, g.heads * g.length, 16, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t seen = causal ? row % g.length + 1 : g.length;
      const float* x = logits + row * g.length;
      float* y = p + row * g.length;
      const float m = row_max(x, seen);
      if (m == kMinusInf) {  // every logit -inf: no weight anywhere, as in the blocked path
        std::fill(y, y + g.length, 0.0f);
        lse[row] = kMinusInf;
        continue;
      }
      for (int64_t c = 0; c < seen; ++c) y[c] = x[c] - m;
      exp_row(y, seen, 0.0f);
      const double total = row_sum(y, seen);
      const float inverse = static_cast<float>(1.0 / total);
      for (int64_t c = 0; c < seen; ++c) y[c] *= inverse;
      std::fill(y + seen, y + g.length, 0.0f);
      lse[row] = m + static_cast<float>(std::log(total));
    }
  });
  return shared;
}

Head head_view(const Geometry& g, const Operands& op, const SharedProbabilities& shared, int64_t b,
               int64_t h) {
  Head v{b, h};
  if (g.shared_probabilities) {
    v.probabilities = shared.probabilities.data<float>() + h * g.length * g.length;
    v.probabilities_lse = shared.lse.data<float>() + h * g.length;
  }
  if (g.dot_product) {
    v.q = op.query.data<float>() + b * g.length * g.qk_stride() + h * g.dk;
    v.k = op.key.data<float>() + b * g.length * g.qk_stride() + h * g.dk;
  }
  v.v = op.value.data<float>() + b * g.length * g.v_stride() + h * g.dv;
  if (op.logits.defined()) {
    const int64_t example = g.logits_per_example ? b : 0;
    v.logits = op.logits.data<float>() + (example * g.heads + h) * g.length * g.length;
  }
  if (op.padding.defined()) v.padding = op.padding.data<uint8_t>() + b * g.length;
  return v;
}

// A block of queries [i0, i0 + rows) against keys [j0, j0 + cols).
struct Block {
  int64_t i0, rows, j0, cols;
};

// The keys a block of queries sees: all of them, or up to its last row under a causal mask.
int64_t key_end(const Geometry& g, bool causal, int64_t i0, int64_t rows) {
  return causal ? std::min(g.length, i0 + rows) : g.length;
}

// The masked logits of a block into s (row stride kKeyBlock).
void block_logits(const Geometry& g, const Head& h, const FusedAttentionInputs& in,
                  const Block& blk, float* s) {
  if (h.logits)
    for (int64_t r = 0; r < blk.rows; ++r)
      std::copy_n(h.logits + (blk.i0 + r) * g.length + blk.j0, blk.cols, s + r * kKeyBlock);
  if (g.dot_product)
    gemm_on_this_thread(false, true, blk.rows, blk.cols, g.dk, in.scale,
                        h.q + blk.i0 * g.qk_stride(), g.qk_stride(), h.k + blk.j0 * g.qk_stride(),
                        g.qk_stride(), h.logits ? 1.0f : 0.0f, s, kKeyBlock);
  if (h.padding)
    for (int64_t c = 0; c < blk.cols; ++c)
      if (h.padding[blk.j0 + c])
        for (int64_t r = 0; r < blk.rows; ++r) s[r * kKeyBlock + c] = kMinusInf;
  if (in.causal && blk.j0 + blk.cols - 1 > blk.i0)
    for (int64_t r = 0; r < blk.rows; ++r)
      for (int64_t c = std::max<int64_t>(0, blk.i0 + r + 1 - blk.j0); c < blk.cols; ++c)
        s[r * kKeyBlock + c] = kMinusInf;
}

// The index of probability (i, j) of this head in the [B, H, L, L] order of the dropout mask.
int64_t probability_index(const Geometry& g, const Head& h, int64_t i, int64_t j) {
  return ((h.batch * g.heads + h.head) * g.length + i) * g.length + j;
}

// Row r of a block dropped out, from src into dst (which may be src); its factors are left in
// `factors` for a backward that needs them again.
void drop_row(const Geometry& g, const Head& h, const FusedAttentionInputs& in, const Block& blk,
              int64_t r, const float* src, float* factors, float* dst) {
  dropout_factors(in.dropout, probability_index(g, h, blk.i0 + r, blk.j0), blk.cols, factors);
  multiply_row(src, factors, dst, blk.cols);
}

// Scratch of one thread, kept from call to call and only grown, rather than allocated and zeroed
// for each task: in a harness calling the op alone at sequence 64 that cost more than the softmax
// (page faults, memset); in a training step, whose heap stays warm, the change did not show.
template <class Scratch>
Scratch& thread_scratch(const Geometry& g) {
  thread_local Scratch scratch;
  scratch.fit(g);
  return scratch;
}

// A block of logits, the dropout factors of one row, and the row state of the online softmax with
// its output accumulator. Every element is written before it is read.
struct ForwardScratch {
  std::vector<float> s, factors, acc, max, sum;
  void fit(const Geometry& g) {
    s.resize(kQueryBlock * kKeyBlock);
    factors.resize(kKeyBlock);
    acc.resize(kQueryBlock * g.dv);
    max.resize(kQueryBlock);
    sum.resize(kQueryBlock);
  }
};

// The online softmax's update of one row by one block: rescale what was summed under the old
// maximum and turn the block's logits into weights under the new one.
void rescale_row(const Geometry& g, const Block& blk, int64_t r, ForwardScratch& w) {
  float* row = w.s.data() + r * kKeyBlock;
  const float m = std::max(w.max[r], row_max(row, blk.cols));
  if (m == kMinusInf) {  // every key so far masked: this block adds nothing
    std::fill_n(row, blk.cols, 0.0f);
    return;
  }
  const float correction = w.max[r] == kMinusInf ? 0.0f : fast_exp(w.max[r] - m);
  exp_row(row, blk.cols, m);
  w.sum[r] = w.sum[r] * correction + static_cast<float>(row_sum(row, blk.cols));
  w.max[r] = m;
  float* acc = w.acc.data() + r * g.dv;
  for (int64_t c = 0; c < g.dv; ++c) acc[c] *= correction;
}

// A block of rows with a stride: a scratch block, or a view into shared probabilities.
struct RowView {
  const float* data;
  int64_t stride;
  const float* row(int64_t r) const { return data + r * stride; }
};

// The block's rows as weights for the product with V, in s: the online softmax's, then dropped
// out.
RowView block_weights(const Geometry& g, const Head& h, const FusedAttentionInputs& in,
                      const Block& blk, ForwardScratch& w) {
  block_logits(g, h, in, blk, w.s.data());
  for (int64_t r = 0; r < blk.rows; ++r) {
    rescale_row(g, blk, r, w);
    float* row = w.s.data() + r * kKeyBlock;
    if (in.dropout.p > 0.0f) drop_row(g, h, in, blk, r, row, w.factors.data(), row);
  }
  return {w.s.data(), kKeyBlock};
}

// Shared probabilities are weights already: read in place, or dropped out into s.
RowView shared_block_weights(const Geometry& g, const Head& h, const FusedAttentionInputs& in,
                             const Block& blk, ForwardScratch& w) {
  const RowView shared{h.probabilities + blk.i0 * g.length + blk.j0, g.length};
  if (in.dropout.p == 0.0f) return shared;
  for (int64_t r = 0; r < blk.rows; ++r)
    drop_row(g, h, in, blk, r, shared.row(r), w.factors.data(), w.s.data() + r * kKeyBlock);
  return {w.s.data(), kKeyBlock};
}

void forward_query_block(const Geometry& g, const Head& h, const FusedAttentionInputs& in,
                         int64_t i0, float* out, float* lse, ForwardScratch& w) {
  const int64_t rows = std::min(kQueryBlock, g.length - i0);
  std::fill_n(w.max.begin(), rows, kMinusInf);
  std::fill_n(w.sum.begin(), rows, 0.0f);
  std::fill_n(w.acc.begin(), rows * g.dv, 0.0f);
  if (h.probabilities)  // normalised already: the final division is by one
    for (int64_t r = 0; r < rows; ++r) {
      w.max[r] = h.probabilities_lse[i0 + r];
      w.sum[r] = 1.0f;
    }
  const int64_t end = key_end(g, in.causal, i0, rows);
  for (int64_t j0 = 0; j0 < end; j0 += kKeyBlock) {
    const Block blk{i0, rows, j0, std::min(kKeyBlock, end - j0)};
    const RowView weights =
        h.probabilities ? shared_block_weights(g, h, in, blk, w) : block_weights(g, h, in, blk, w);
    gemm_on_this_thread(false, false, rows, g.dv, blk.cols, 1.0f, weights.data, weights.stride,
                        h.v + j0 * g.v_stride(), g.v_stride(), 1.0f, w.acc.data(), g.dv);
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float sum = w.sum[r];
    const float inverse = sum > 0.0f ? 1.0f / sum : 0.0f;
    float* o = out + (i0 + r) * g.v_stride();
    for (int64_t c = 0; c < g.dv; ++c) o[c] = w.acc[r * g.dv + c] * inverse;
    lse[i0 + r] = sum > 0.0f ? w.max[r] + std::log(sum) : kMinusInf;
  }
}

}  // namespace

void check_fused_attention_inputs(const FusedAttentionInputs& in) {
  check_inputs(in);
}

FusedAttentionOutput fused_attention(const FusedAttentionInputs& in) {
  const Geometry g = check_inputs(in);
  const Operands op(in);
  const SharedProbabilities shared =
      g.shared_probabilities ? shared_probabilities(g, op, in.causal) : SharedProbabilities{};
  FusedAttentionOutput result{Tensor::empty({g.batch, g.length, g.v_stride()}),
                              Tensor::empty({g.batch, g.heads, g.length})};
  float* out = result.out.data<float>();
  float* lse = result.row_logsumexp.data<float>();
  const int64_t blocks = g.query_blocks();
  parallel_for(0, g.batch * g.heads * blocks, 1, [&](int64_t begin, int64_t end) {
    ForwardScratch& w = thread_scratch<ForwardScratch>(g);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t bh = task / blocks, b = bh / g.heads, h = bh % g.heads;
      forward_query_block(g, head_view(g, op, shared, b, h), in, (task % blocks) * kQueryBlock,
                          out + b * g.length * g.v_stride() + h * g.dv, lse + bh * g.length, w);
    }
  });
  return result;
}

namespace {

// Gradient buffers of one call and where each head's part starts.
struct GradPointers {
  float *dq = nullptr, *dk = nullptr, *dv = nullptr, *dlogits = nullptr;
};

// Zeroes one head's parts of the gradients, which its blocks then add to, and its [L, L] logits'
// gradient unless earlier examples have begun summing into it. In the task rather than as whole
// tensors beforehand, so that the blocks add to lines still in cache (a separate pass was 5% of
// the backward at sequence 64 in a harness calling the op alone; no change showed in a step).
void zero_head_grads(const Geometry& g, const GradPointers& d, bool zero_logits) {
  const auto zero_rows = [&](float* p, int64_t width, int64_t stride) {
    if (p)
      for (int64_t i = 0; i < g.length; ++i) std::fill_n(p + i * stride, width, 0.0f);
  };
  zero_rows(d.dq, g.dk, g.qk_stride());
  zero_rows(d.dk, g.dk, g.qk_stride());
  zero_rows(d.dv, g.dv, g.v_stride());
  if (d.dlogits && zero_logits) std::fill_n(d.dlogits, g.length * g.length, 0.0f);
}

struct BackwardScratch {
  std::vector<float> p, dropped, ds, factors, delta;
  void fit(const Geometry& g) {
    for (auto* block : {&p, &dropped, &ds, &factors}) block->resize(kQueryBlock * kKeyBlock);
    delta.resize(g.length);
  }
};

// P of a block: the shared probabilities in place, or recomputed into w.p from the logits and
// the forward's log-sum-exps.
RowView block_probabilities(const Geometry& g, const Head& h, const FusedAttentionInputs& in,
                            const Block& blk, const float* lse, BackwardScratch& w) {
  if (h.probabilities) return {h.probabilities + blk.i0 * g.length + blk.j0, g.length};
  float* p = w.p.data();
  block_logits(g, h, in, blk, p);
  for (int64_t r = 0; r < blk.rows; ++r) {
    const float m = lse[blk.i0 + r];
    float* row = p + r * kKeyBlock;
    if (m == kMinusInf)
      std::fill_n(row, blk.cols, 0.0f);
    else
      exp_row(row, blk.cols, m);
  }
  return {p, kKeyBlock};
}

// One block of the backward: P, then
//   dV += dropout(P)^T dO,  dP = dropout'(dO V^T),  dS = P * (dP - delta),
//   dQ += scale dS K,  dK += scale dS^T Q,  dlogits += dS
// with delta = rowsum(dO * O) = rowsum(dP * P), computed once per row.
void backward_block(const Geometry& g, const Head& h, const FusedAttentionInputs& in,
                    const Block& blk, const float* lse, const float* dout, const GradPointers& d,
                    BackwardScratch& w) {
  const RowView p = block_probabilities(g, h, in, blk, lse, w);
  const bool dropout = in.dropout.p > 0.0f;
  if (dropout)
    for (int64_t r = 0; r < blk.rows; ++r)
      drop_row(g, h, in, blk, r, p.row(r), w.factors.data() + r * kKeyBlock,
               w.dropped.data() + r * kKeyBlock);
  const RowView kept = dropout ? RowView{w.dropped.data(), kKeyBlock} : p;
  const float* dout_rows = dout + blk.i0 * g.v_stride();
  if (d.dv)
    gemm_on_this_thread(true, false, blk.cols, g.dv, blk.rows, 1.0f, kept.data, kept.stride,
                        dout_rows, g.v_stride(), 1.0f, d.dv + blk.j0 * g.v_stride(), g.v_stride());
  if (!d.dq && !d.dlogits) return;  // dS feeds only those
  float* ds = w.ds.data();
  gemm_on_this_thread(false, true, blk.rows, blk.cols, g.dv, 1.0f, dout_rows, g.v_stride(),
                      h.v + blk.j0 * g.v_stride(), g.v_stride(), 0.0f, ds, kKeyBlock);
  for (int64_t r = 0; r < blk.rows; ++r) {
    const float delta = w.delta[blk.i0 + r];
    float* row = ds + r * kKeyBlock;
    attention_softmax_backward_row(p.row(r), dropout ? w.factors.data() + r * kKeyBlock : nullptr,
                                   delta, row, blk.cols);
    if (d.dlogits) {
      float* target = d.dlogits + (blk.i0 + r) * g.length + blk.j0;
      for (int64_t c = 0; c < blk.cols; ++c) target[c] += row[c];
    }
  }
  if (!d.dq) return;
  gemm_on_this_thread(false, false, blk.rows, g.dk, blk.cols, in.scale, ds, kKeyBlock,
                      h.k + blk.j0 * g.qk_stride(), g.qk_stride(), 1.0f,
                      d.dq + blk.i0 * g.qk_stride(), g.qk_stride());
  gemm_on_this_thread(true, false, blk.cols, g.dk, blk.rows, in.scale, ds, kKeyBlock,
                      h.q + blk.i0 * g.qk_stride(), g.qk_stride(), 1.0f,
                      d.dk + blk.j0 * g.qk_stride(), g.qk_stride());
}

// The whole backward of one head of one example, blocks in a fixed order: dK and dV collect
// every query block's share, so a head is one task.
void backward_head(const Geometry& g, const Head& h, const FusedAttentionInputs& in,
                   const float* out, const float* lse, const float* dout, const GradPointers& d,
                   BackwardScratch& w) {
  for (int64_t i = 0; i < g.length; ++i) {
    const float* o = out + i * g.v_stride();
    const float* go = dout + i * g.v_stride();
    float delta = 0.0f;
    for (int64_t c = 0; c < g.dv; ++c) delta += o[c] * go[c];
    w.delta[i] = delta;
  }
  for (int64_t i0 = 0; i0 < g.length; i0 += kQueryBlock) {
    const int64_t rows = std::min(kQueryBlock, g.length - i0);
    const int64_t end = key_end(g, in.causal, i0, rows);
    for (int64_t j0 = 0; j0 < end; j0 += kKeyBlock)
      backward_block(g, h, in, {i0, rows, j0, std::min(kKeyBlock, end - j0)}, lse, dout, d, w);
  }
}

}  // namespace

FusedAttentionGrads fused_attention_backward(const FusedAttentionInputs& in,
                                             const FusedAttentionOutput& forward,
                                             const Tensor& grad_out,
                                             const FusedAttentionNeeds& needs) {
  const Geometry g = check_inputs(in);
  SG_CHECK(forward.out.defined() && forward.row_logsumexp.defined() &&
               forward.out.shape() == Shape({g.batch, g.length, g.v_stride()}) &&
               forward.row_logsumexp.shape() == Shape({g.batch, g.heads, g.length}) &&
               forward.out.is_contiguous() && forward.row_logsumexp.is_contiguous(),
           "fused_attention_backward: the forward's output and log-sum-exps must be [{}, {}, {}] "
           "and [{}, {}, {}], as fused_attention returns them for these inputs",
           g.batch, g.length, g.v_stride(), g.batch, g.heads, g.length);
  SG_CHECK(grad_out.shape() == forward.out.shape() && grad_out.dtype() == DType::f32,
           "fused_attention_backward: gradient {} for an output {}", shape_str(grad_out.shape()),
           shape_str(forward.out.shape()));
  const Operands op(in);
  // Shared probabilities are recomputed rather than kept: one softmax per head.
  const SharedProbabilities shared =
      g.shared_probabilities ? shared_probabilities(g, op, in.causal) : SharedProbabilities{};
  const Tensor dout = grad_out.contiguous();
  FusedAttentionGrads grads;
  const bool query_key = g.dot_product && needs.query_key;
  const bool logits = op.logits.defined() && needs.logits;
  // Each task zeroes its own heads' parts just before adding to them (zero_head_grads).
  if (needs.value) grads.value = Tensor::empty(op.value.shape());
  if (query_key) {
    grads.query = Tensor::empty(op.query.shape());
    grads.key = Tensor::empty(op.key.shape());
  }
  if (logits) grads.logits = Tensor::empty(in.logits.shape());
  // Shared logits collect every example's gradient: one task per head then walks the examples in
  // order, so that the sum is the same for every thread count.
  const bool sum_over_batch = g.shared_logits && logits;
  const int64_t examples_per_task = sum_over_batch ? g.batch : 1;
  const int64_t tasks = g.batch * g.heads / examples_per_task;
  parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
    BackwardScratch& w = thread_scratch<BackwardScratch>(g);
    for (int64_t task = begin; task < end; ++task)
      for (int64_t e = 0; e < examples_per_task; ++e) {
        const int64_t b = sum_over_batch ? e : task / g.heads, h = task % g.heads;
        const Head head = head_view(g, op, shared, b, h);
        const int64_t rows = b * g.length;
        GradPointers d;
        if (needs.value) d.dv = grads.value.data<float>() + rows * g.v_stride() + h * g.dv;
        if (query_key) {
          d.dq = grads.query.data<float>() + rows * g.qk_stride() + h * g.dk;
          d.dk = grads.key.data<float>() + rows * g.qk_stride() + h * g.dk;
        }
        if (logits)
          d.dlogits = grads.logits.data<float>() + (head.logits - op.logits.data<float>());
        zero_head_grads(g, d, !sum_over_batch || e == 0);
        const int64_t bh = b * g.heads + h;
        backward_head(g, head, in, forward.out.data<float>() + rows * g.v_stride() + h * g.dv,
                      forward.row_logsumexp.data<float>() + bh * g.length,
                      dout.data<float>() + rows * g.v_stride() + h * g.dv, d, w);
      }
  });
  return grads;
}

}  // namespace sg
