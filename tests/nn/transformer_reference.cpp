#include "nn/transformer_reference.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "synthgrad/core/core.h"

namespace sg::testing {

Values values_of(const Tensor& t) {
  const auto v = t.to(DType::f32).to_vector<float>();
  return {v.begin(), v.end()};
}

Params params_of(const nn::Module& module) {
  Params out;
  for (const auto& [name, p] : module.named_parameters()) out[name] = values_of(p.data());
  for (const auto& [name, t] : module.named_buffers()) out[name] = values_of(t);
  return out;
}

Params params_under(const Params& params, const std::string& prefix) {
  const std::string head = prefix + ".";
  Params out;
  for (const auto& [name, v] : params)
    if (name.starts_with(head)) out[name.substr(head.size())] = v;
  return out;
}

void perturb_parameters(nn::Module& module, uint64_t seed, float stddev) {
  Generator gen(seed);
  for (auto& [name, p] : module.named_parameters())
    copy_into(p.data(), p.data() + randn(p.shape(), gen, 0.0f, stddev));
}

DropoutReplay::DropoutReplay(GeneratorState state, float p) : p_(p) {
  gen_.set_state(state);
}

Values DropoutReplay::next(int64_t count) {
  if (p_ == 0.0f) return Values(count, 1.0);  // no draw: the module skips p = 0 too
  return values_of(apply_dropout_mask(ones({count}), reserve_dropout_mask(gen_, count, p_)));
}

Values dropped(Values x, DropoutReplay* dropout) {
  if (!dropout) return x;
  const Values mask = dropout->next(static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) x[i] *= mask[i];
  return x;
}

Values add(Values a, const Values& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

Values linear(const Params& params, const Values& x, int64_t in) {
  const Values& w = params.at("weight");
  const auto bias = params.find("bias");
  const int64_t out = static_cast<int64_t>(w.size()) / in;
  const int64_t rows = static_cast<int64_t>(x.size()) / in;
  Values y(rows * out);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = bias == params.end() ? 0.0 : bias->second[o];
      for (int64_t i = 0; i < in; ++i) s += w[o * in + i] * x[r * in + i];
      y[r * out + o] = s;
    }
  return y;
}

Values layer_norm(const Params& params, const Values& x, int64_t dim, double eps) {
  const Values& gamma = params.at("weight");
  const Values& beta = params.at("bias");
  Values y(x.size());
  for (size_t row = 0; row < x.size(); row += dim) {
    double mean = 0, variance = 0;
    for (int64_t i = 0; i < dim; ++i) mean += x[row + i];
    mean /= static_cast<double>(dim);
    for (int64_t i = 0; i < dim; ++i) variance += (x[row + i] - mean) * (x[row + i] - mean);
    const double scale = 1.0 / std::sqrt(variance / static_cast<double>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i) y[row + i] = (x[row + i] - mean) * scale * gamma[i] + beta[i];
  }
  return y;
}

Values gelu(Values x) {
  for (double& v : x) v = 0.5 * v * (1.0 + std::erf(v / std::numbers::sqrt2));
  return x;
}

Values feed_forward(const Params& params, const Values& x, int64_t dim, DropoutReplay* dropout) {
  const int64_t hidden = static_cast<int64_t>(params.at("up.weight").size()) / dim;
  const Values inner = dropped(gelu(linear(params_under(params, "up"), x, dim)), dropout);
  return linear(params_under(params, "down"), inner, hidden);
}

Values gather_rows(const Values& x, const std::vector<int64_t>& rows, int64_t width) {
  Values kept;
  for (int64_t r : rows)
    kept.insert(kept.end(), x.begin() + r * width, x.begin() + (r + 1) * width);
  return kept;
}

Values transformer_block(const Params& params, const Values& x, int64_t dim, const Mixer& mixer,
                         DropoutReplay* dropout, const std::vector<int64_t>& rows) {
  const Values mixed = mixer(layer_norm(params_under(params, "norm1"), x, dim));
  const Values h = rows.empty() ? add(x, dropped(mixed, dropout))
                                : add(gather_rows(x, rows, dim),
                                      dropped(gather_rows(mixed, rows, dim), dropout));
  const Values normed = layer_norm(params_under(params, "norm2"), h, dim);
  return add(h, dropped(feed_forward(params_under(params, "ffn"), normed, dim, dropout), dropout));
}

void check_matches(const Tensor& got, const Values& want, double rtol) {
  const Values g = values_of(got);
  REQUIRE(g.size() == want.size());
  double worst = 0, scale = 1e-6;
  size_t at = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    scale = std::max(scale, std::fabs(want[i]));
    if (std::fabs(g[i] - want[i]) > worst) worst = std::fabs(g[(at = i)] - want[i]);
  }
  INFO("worst at flat index ", at, ": got ", g[at], ", expected ", want[at], ", scale ", scale);
  CHECK(worst <= rtol * scale);
}

}  // namespace sg::testing
