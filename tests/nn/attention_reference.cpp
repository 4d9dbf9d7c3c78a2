#include "nn/attention_reference.h"

#include <cmath>
#include <limits>

namespace sg::testing {

namespace {

using Vec = std::vector<double>;

// W [out, in] (row-major), b [out].
Vec linear(const Vec& w, const Vec& b, const double* x, int64_t in, int64_t out) {
  Vec y(out);
  for (int64_t o = 0; o < out; ++o) {
    double s = b[o];
    for (int64_t i = 0; i < in; ++i) s += w[o * in + i] * x[i];
    y[o] = s;
  }
  return y;
}

Vec relu(Vec v) {
  for (double& e : v) e = e > 0 ? e : 0;
  return v;
}

}  // namespace

Vec ReferenceAttention::forward(const Vec& x, int64_t batch, int64_t length,
                                const std::vector<int>& padding, bool causal) const {
  const auto& c = config;
  const int64_t d = c.dim, heads = c.heads, dh = d / heads, l = c.max_length, n = length;
  const auto kinds = nn::parse_variant(c.variant);
  const auto& P = params;
  // Mixing weights: softmax of the "mix" parameter, or 1 for one source.
  Vec alpha(kinds.size(), 1.0);
  if (kinds.size() > 1) {
    double total = 0;
    for (size_t k = 0; k < kinds.size(); ++k) total += alpha[k] = std::exp(P.at("mix")[k]);
    for (double& a : alpha) a /= total;
  }
  Vec y(batch * n * d);
  for (int64_t b = 0; b < batch; ++b) {
    const double* xb = x.data() + b * n * d;
    // Per-token projections used by the sources.
    std::vector<Vec> q(n), k(n), v(n), dense(n), fdense(n);
    for (int64_t t = 0; t < n; ++t) {
      const double* xt = xb + t * d;
      v[t] = linear(P.at("value.weight"), P.at("value.bias"), xt, d, d);
      if (P.count("V.query.weight")) {
        q[t] = linear(P.at("V.query.weight"), P.at("V.query.bias"), xt, d, d);
        k[t] = linear(P.at("V.key.weight"), P.at("V.key.bias"), xt, d, d);
      }
      if (P.count("D.hidden.weight"))
        dense[t] = relu(linear(P.at("D.hidden.weight"), P.at("D.hidden.bias"), xt, d, d));
      if (P.count("FD.hidden.weight"))
        fdense[t] = relu(linear(P.at("FD.hidden.weight"), P.at("FD.hidden.bias"), xt, d, d));
    }
    std::vector<Vec> out(n, Vec(d, 0.0));
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < n; ++i) {
        Vec s(n, 0.0);
        for (int64_t j = 0; j < n; ++j) {
          for (size_t src = 0; src < kinds.size(); ++src) {
            double logit = 0;
            switch (kinds[src]) {
              case nn::LogitKind::dot_product:
                for (int64_t e = 0; e < dh; ++e) logit += q[i][h * dh + e] * k[j][h * dh + e];
                logit /= std::sqrt(static_cast<double>(dh));
                break;
              case nn::LogitKind::dense:
                logit = P.at("D.bias")[h * l + j];
                for (int64_t e = 0; e < dh; ++e)
                  logit += dense[i][h * dh + e] * P.at("D.weight")[(h * dh + e) * l + j];
                break;
              case nn::LogitKind::random: logit = P.at("R.matrix")[(h * l + i) * l + j]; break;
              case nn::LogitKind::random_fixed:
                logit = P.at("Rfix.matrix")[(h * l + i) * l + j];
                break;
              case nn::LogitKind::factorized_random: {
                const int64_t rank = c.random_rank;
                for (int64_t r = 0; r < rank; ++r)
                  logit += P.at("FR.left")[(h * l + i) * rank + r] *
                           P.at("FR.right")[(h * l + j) * rank + r];
                break;
              }
              case nn::LogitKind::factorized_dense: {
                auto [fa, fb] = nn::factorized_dense_factors(c);
                const int64_t ja = j % fa, jb = j / fa;
                double b1 = P.at("FD.bias_a")[h * fa + ja], b2 = P.at("FD.bias_b")[h * fb + jb];
                for (int64_t e = 0; e < dh; ++e) {
                  b1 += fdense[i][h * dh + e] * P.at("FD.weight_a")[(h * dh + e) * fa + ja];
                  b2 += fdense[i][h * dh + e] * P.at("FD.weight_b")[(h * dh + e) * fb + jb];
                }
                logit = b1 * b2;
                break;
              }
            }
            s[j] += alpha[src] * logit;
          }
          const bool masked = (causal && j > i) || (!padding.empty() && padding[b * n + j]);
          if (masked) s[j] = -std::numeric_limits<double>::infinity();
        }
        double peak = -std::numeric_limits<double>::infinity(), total = 0;
        for (double e : s) peak = std::max(peak, e);
        if (std::isinf(peak)) continue;  // every key masked: no weight anywhere
        for (double& e : s) total += e = std::exp(e - peak);
        for (int64_t j = 0; j < n; ++j)
          for (int64_t e = 0; e < dh; ++e) out[i][h * dh + e] += s[j] / total * v[j][h * dh + e];
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      const Vec yi = linear(P.at("output.weight"), P.at("output.bias"), out[i].data(), d, d);
      std::copy(yi.begin(), yi.end(), y.begin() + (b * n + i) * d);
    }
  }
  return y;
}

}  // namespace sg::testing
