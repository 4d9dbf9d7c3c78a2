#include <doctest/doctest.h>

#include <cstring>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

// One call's inputs, made from a seed: Q K^T and/or logits, optional padding of the last keys of
// example 1 and of the first keys of example 0 (so that, with a causal mask, example 0's first
// rows see no key at all), optional dropout.
struct Case {
  int64_t batch = 2, heads = 2, length = 5, dk = 3, dv = 2;
  bool dot_product = true;
  int logits = 0;  // 0: none, 1: per example, 2: shared by the batch
  bool padding = false, causal = false;
  float dropout = 0.0f;
};

FusedAttentionInputs make_inputs(const Case& c, uint64_t seed) {
  FusedAttentionInputs in;
  const int64_t B = c.batch, L = c.length, H = c.heads;
  if (c.dot_product) {
    in.query = ref::random_tensor({B, L, H * c.dk}, seed);
    in.key = ref::random_tensor({B, L, H * c.dk}, seed + 1);
  }
  in.value = ref::random_tensor({B, L, H * c.dv}, seed + 2);
  if (c.logits == 1) in.logits = ref::random_tensor({B, H, L, L}, seed + 3);
  if (c.logits == 2) in.logits = ref::random_tensor({1, H, L, L}, seed + 3);
  if (c.padding) {
    std::vector<uint8_t> pad(static_cast<size_t>(B * L), 0);
    for (int64_t j = 0; j < std::min<int64_t>(3, L - 1); ++j) pad[static_cast<size_t>(j)] = 1;
    for (int64_t j = L - L / 3; j < L; ++j) pad[static_cast<size_t>((B - 1) * L + j)] = 1;
    in.padding = from_vector(pad, {B, L});
  }
  in.causal = c.causal;
  in.heads = H;
  in.scale = 0.7f;
  if (c.dropout > 0.0f) {
    Generator gen(seed + 4);
    in.dropout = reserve_dropout_mask(gen, B * H * L * L, c.dropout);
  }
  return in;
}

// The formulas, unblocked, in double, one example and head at a time: P = softmax(S + mask) with
// the whole row at once, out = (P * Z) V, then the standard backward.
struct Reference {
  std::vector<double> out, lse, dq, dk, dv, dlogits;
};

Reference reference(const Case& c, const FusedAttentionInputs& in, const Tensor& grad_out) {
  const int64_t B = c.batch, H = c.heads, L = c.length, dk = c.dk, dv = c.dv;
  const auto values = [](const Tensor& t) {
    std::vector<float> v = t.defined() ? t.to_vector<float>() : std::vector<float>{};
    return std::vector<double>(v.begin(), v.end());
  };
  const auto q = values(in.query), k = values(in.key), v = values(in.value),
             logits = values(in.logits), g = values(grad_out);
  std::vector<float> z(static_cast<size_t>(B * H * L * L), 1.0f);
  if (c.dropout > 0.0f)
    z = apply_dropout_mask(ones({B * H * L * L}), in.dropout).to_vector<float>();
  const std::vector<uint8_t> pad =
      in.padding.defined() ? in.padding.to_vector<uint8_t>() : std::vector<uint8_t>{};
  Reference r;
  r.out.assign(static_cast<size_t>(B * L * H * dv), 0.0);
  r.lse.assign(static_cast<size_t>(B * H * L), 0.0);
  r.dq.assign(q.size(), 0.0);
  r.dk.assign(k.size(), 0.0);
  r.dv.assign(v.size(), 0.0);
  r.dlogits.assign(logits.size(), 0.0);
  const auto qk = [&](int64_t b, int64_t i, int64_t h) { return (b * L + i) * H * dk + h * dk; };
  const auto vo = [&](int64_t b, int64_t i, int64_t h) { return (b * L + i) * H * dv + h * dv; };
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const int64_t lb = c.logits == 2 ? 0 : b;
      std::vector<double> p(static_cast<size_t>(L * L), 0.0), zz(p.size());
      for (int64_t i = 0; i < L; ++i) {
        std::vector<double> s(static_cast<size_t>(L));
        double m = -INFINITY;
        for (int64_t j = 0; j < L; ++j) {
          double x = 0.0;
          for (int64_t e = 0; c.dot_product && e < dk; ++e)
            x += q[qk(b, i, h) + e] * k[qk(b, j, h) + e];
          x *= in.scale;
          if (c.logits) x += logits[((lb * H + h) * L + i) * L + j];
          if ((!pad.empty() && pad[b * L + j]) || (c.causal && j > i)) x = -INFINITY;
          s[j] = x;
          m = std::max(m, x);
        }
        double total = 0.0;
        for (int64_t j = 0; j < L; ++j) total += m == -INFINITY ? 0.0 : std::exp(s[j] - m);
        r.lse[(b * H + h) * L + i] = m == -INFINITY ? -INFINITY : m + std::log(total);
        for (int64_t j = 0; j < L; ++j) {
          p[i * L + j] = m == -INFINITY ? 0.0 : std::exp(s[j] - m) / total;
          zz[i * L + j] = z[((b * H + h) * L + i) * L + j];
          for (int64_t e = 0; e < dv; ++e)
            r.out[vo(b, i, h) + e] += p[i * L + j] * zz[i * L + j] * v[vo(b, j, h) + e];
        }
      }
      for (int64_t i = 0; i < L; ++i) {
        std::vector<double> dp(static_cast<size_t>(L));
        double dot = 0.0;
        for (int64_t j = 0; j < L; ++j) {
          double x = 0.0;
          for (int64_t e = 0; e < dv; ++e) {
            x += g[vo(b, i, h) + e] * v[vo(b, j, h) + e];
            r.dv[vo(b, j, h) + e] += p[i * L + j] * zz[i * L + j] * g[vo(b, i, h) + e];
          }
          dp[j] = x * zz[i * L + j];
          dot += dp[j] * p[i * L + j];
        }
        for (int64_t j = 0; j < L; ++j) {
          const double ds = p[i * L + j] * (dp[j] - dot);
          if (c.logits) r.dlogits[((lb * H + h) * L + i) * L + j] += ds;
          for (int64_t e = 0; c.dot_product && e < dk; ++e) {
            r.dq[qk(b, i, h) + e] += in.scale * ds * k[qk(b, j, h) + e];
            r.dk[qk(b, j, h) + e] += in.scale * ds * q[qk(b, i, h) + e];
          }
        }
      }
    }
  return r;
}

void check_case(const Case& c) {
  const FusedAttentionInputs in = make_inputs(c, 11);
  const FusedAttentionOutput fwd = fused_attention(in);
  const Tensor grad_out = ref::random_tensor(fwd.out.shape(), 99);
  const FusedAttentionGrads grads = fused_attention_backward(in, fwd, grad_out);
  const Reference want = reference(c, in, grad_out);
  ref::check_close(fwd.out, {fwd.out.shape(), want.out}, 1e-4, 1e-5);
  ref::check_close(fwd.row_logsumexp, {fwd.row_logsumexp.shape(), want.lse}, 1e-5, 1e-5);
  ref::check_close(grads.value, {in.value.shape(), want.dv}, 1e-4, 1e-5);
  if (c.dot_product) {
    ref::check_close(grads.query, {in.query.shape(), want.dq}, 1e-4, 1e-5);
    ref::check_close(grads.key, {in.key.shape(), want.dk}, 1e-4, 1e-5);
  } else {
    CHECK_FALSE(grads.query.defined());
  }
  if (c.logits) ref::check_close(grads.logits, {in.logits.shape(), want.dlogits}, 1e-4, 1e-5);
}

bool same_bits(const Tensor& a, const Tensor& b) {
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  return a.shape() == b.shape() &&
         std::memcmp(ca.raw_data(), cb.raw_data(), ca.numel() * sizeof(float)) == 0;
}

}  // namespace

// Lengths 5 (one block), 67 (two query blocks, the second of 3 rows) and 131 (three query blocks,
// two key blocks: the online softmax rescales), under every mask, with and without dropout.
TEST_CASE("fused attention matches the unblocked formulas, outputs and gradients") {
  for (int64_t length : {5, 67, 131})
    for (int sources = 0; sources < 4; ++sources)
      for (int mask = 0; mask < 4; ++mask)
        for (float dropout : {0.0f, 0.25f}) {
          Case c;
          c.length = length;
          c.dot_product = sources != 1 && sources != 2;  // Q K^T, logits, shared logits, both
          c.logits = sources == 0 ? 0 : sources == 3 ? 1 : sources;
          c.padding = mask & 1;
          c.causal = mask & 2;
          c.dropout = dropout;
          INFO("length ", length, ", sources ", sources, ", mask ", mask, ", dropout ", dropout);
          check_case(c);
        }
}

TEST_CASE("fused attention: a row whose keys are all masked gives zeros and no gradient") {
  Case c;
  c.padding = true;
  c.causal = true;
  const FusedAttentionInputs in = make_inputs(c, 3);
  const FusedAttentionOutput fwd = fused_attention(in);
  // Example 0's first three keys are padding: under the causal mask rows 0..2 see none.
  const std::vector<float> lse = fwd.row_logsumexp.to_vector<float>();
  for (int64_t h = 0; h < c.heads; ++h)
    for (int64_t i = 0; i < 3; ++i) CHECK(lse[static_cast<size_t>(h * c.length + i)] == -INFINITY);
  const std::vector<float> out = fwd.out.to_vector<float>();
  for (int64_t i = 0; i < 3 * c.heads * c.dv; ++i) CHECK(out[static_cast<size_t>(i)] == 0.0f);
  const FusedAttentionGrads g = fused_attention_backward(in, fwd, ones(fwd.out.shape()));
  for (float x : g.query.to_vector<float>()) CHECK(std::isfinite(x));
}

TEST_CASE("fused attention: shared logits of -inf give a zero row, not NaN") {
  Case c;
  c.dot_product = false;
  c.logits = 2;  // shared, no padding: the softmax computed once per head
  FusedAttentionInputs in = make_inputs(c, 4);
  Tensor logits = in.logits.clone();
  // Head 0, query 1: every key -inf.
  copy_into(logits.select(0, 0).select(0, 0).select(0, 1), full({c.length}, -INFINITY));
  in.logits = logits;
  const FusedAttentionOutput fwd = fused_attention(in);
  const std::vector<float> out = fwd.out.to_vector<float>();
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t e = 0; e < c.dv; ++e)  // row 1 of head 0 in each example
      CHECK(out[static_cast<size_t>((b * c.length + 1) * c.heads * c.dv + e)] == 0.0f);
  for (float x : fused_attention_backward(in, fwd, ones(fwd.out.shape())).logits.to_vector<float>())
    CHECK(std::isfinite(x));
}

TEST_CASE("fused attention's backward computes only the gradients asked for, the same bits") {
  Case c;
  c.length = 70;
  c.logits = 2;  // Q K^T plus logits shared by the batch
  c.dropout = 0.2f;
  const FusedAttentionInputs in = make_inputs(c, 8);
  const FusedAttentionOutput fwd = fused_attention(in);
  const Tensor grad_out = ref::random_tensor(fwd.out.shape(), 9);
  const FusedAttentionGrads all = fused_attention_backward(in, fwd, grad_out);
  for (int mask = 0; mask < 8; ++mask) {
    const FusedAttentionNeeds needs{
        .query_key = (mask & 1) != 0, .value = (mask & 2) != 0, .logits = (mask & 4) != 0};
    INFO("needs " << mask);
    const FusedAttentionGrads some = fused_attention_backward(in, fwd, grad_out, needs);
    const auto check = [](bool needed, const Tensor& got, const Tensor& want) {
      CHECK(got.defined() == needed);
      if (needed) CHECK(same_bits(got, want));
    };
    check(needs.query_key, some.query, all.query);
    check(needs.query_key, some.key, all.key);
    check(needs.value, some.value, all.value);
    check(needs.logits, some.logits, all.logits);
  }
}

TEST_CASE("fused attention is bit-identical across runs and thread counts") {
  Case c;
  c.batch = 3;
  c.length = 150;
  c.logits = 2;
  c.padding = c.causal = true;
  c.dropout = 0.1f;
  const FusedAttentionInputs in = make_inputs(c, 5);
  const Tensor grad_out = ref::random_tensor({c.batch, c.length, c.heads * c.dv}, 6);
  const auto run = [&](int threads) {
    set_num_threads(threads);
    const FusedAttentionOutput fwd = fused_attention(in);
    const FusedAttentionGrads g = fused_attention_backward(in, fwd, grad_out);
    return std::vector<Tensor>{fwd.out, g.query, g.key, g.value, g.logits};
  };
  ref::ThreadCountGuard guard;
  const auto one = run(1), again = run(1), two = run(2);
  for (size_t i = 0; i < one.size(); ++i) {
    CHECK(same_bits(one[i], again[i]));
    CHECK(same_bits(one[i], two[i]));
  }
}

TEST_CASE("fused attention names the operation and the shapes of bad inputs") {
  Case c;
  FusedAttentionInputs in = make_inputs(c, 1);
  const auto message = [&](const FusedAttentionInputs& bad) {
    return ref::error_message([&] { fused_attention(bad); });
  };
  FusedAttentionInputs bad = in;
  bad.key = ref::random_tensor({2, 4, 6}, 1);
  CHECK(ref::contains(message(bad), "fused_attention: query [2, 5, 6] and key [2, 4, 6]"));
  bad = in;
  bad.heads = 3;
  CHECK(ref::contains(message(bad), "fused_attention: value width 4 does not split into 3 heads"));
  bad = in;
  bad.query = bad.key = Tensor();
  CHECK(ref::contains(message(bad), "needs query and key, or logits"));
  bad = in;
  bad.logits = ref::random_tensor({2, 2, 5, 4}, 1);
  CHECK(ref::contains(message(bad), "logits [2, 2, 5, 4] are not [2, 2, 5, 5]"));
  bad = in;
  bad.padding = zeros({2, 4}, DType::b8);
  CHECK(ref::contains(message(bad), "padding must be b8 [2, 5], got [2, 4]"));
  bad = in;
  Generator gen(1);
  bad.dropout = reserve_dropout_mask(gen, 7, 0.5f);
  CHECK(ref::contains(message(bad), "a dropout mask of 7 elements for probabilities [2, 2, 5, 5]"));
  bad = in;
  bad.key = in.key.to(DType::i64);
  CHECK(ref::contains(message(bad),
                      "fused_attention: query [2, 5, 6] and key [2, 5, 6] must be f32"));
  const FusedAttentionOutput fwd = fused_attention(in);
  CHECK(ref::contains(ref::error_message([&] {
                        fused_attention_backward(in, fwd, ones({2, 5}));
                      }),
                      "fused_attention_backward: gradient [2, 5] for an output [2, 5, 4]"));
  // The output of another call (a shorter sequence) is refused, not read out of bounds.
  Case shorter = c;
  shorter.length = 4;
  const FusedAttentionOutput other = fused_attention(make_inputs(shorter, 1));
  CHECK(ref::contains(
      ref::error_message([&] {
        fused_attention_backward(in, other, ones({2, 4, 4}));
      }),
      "fused_attention_backward: the forward's output and log-sum-exps must be [2, 5, 4]"));
}
