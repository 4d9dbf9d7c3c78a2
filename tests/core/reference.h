#pragma once
// Naive reference implementations shared by the core tests. They walk multi-indices with plain
// loops, read tensors one element at a time through at<>() (so they never share the kernels' stride
// handling) and accumulate in double.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "support/error_message.h"
#include "synthgrad/core/core.h"

// Failed CHECKs on vectors (shapes, to_vector results) print their contents instead of "{?}".
namespace doctest {
template <class T>
struct StringMaker<std::vector<T>> {
  static String convert(const std::vector<T>& v) {
    return fmt::format("[{}]", fmt::join(v, ", ")).c_str();
  }
};
}  // namespace doctest

namespace sg::ref {

using Index = std::vector<int64_t>;

// Expected values in row-major order, with their shape.
struct Ref {
  Shape shape;
  std::vector<double> values;
};

// Calls f(index) for every multi-index of `shape`, in row-major order (once for rank 0).
template <class F>
void for_each_index(const Shape& shape, const F& f) {
  for (int64_t s : shape)
    if (s == 0) return;
  Index index(shape.size(), 0);
  while (true) {
    f(index);
    int64_t d = static_cast<int64_t>(shape.size()) - 1;
    for (; d >= 0; --d) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

inline int64_t flat_index(const Shape& shape, const Index& index) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

// 0, 1, 2, ... as f32 in `shape`: each value names its own row-major position.
inline Tensor iota(const Shape& shape) {
  return arange(numel_of(shape), DType::f32).view(shape);
}

// A tensor of standard normal values; the seed makes every test input reproducible.
inline Tensor random_tensor(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return randn(shape, gen);
}

// Uniform in [low, high): for sums, whose relative error is only meaningful without cancellation.
inline Tensor uniform_tensor(const Shape& shape, uint64_t seed, float low = 0.0f,
                             float high = 1.0f) {
  Generator gen(seed);
  return rand_uniform(shape, gen, low, high);
}

// Every element of an f32 tensor, in row-major order.
inline Ref values_of(const Tensor& t) {
  Ref out{t.shape(), {}};
  for_each_index(t.shape(), [&](const Index& i) { out.values.push_back(t.at<float>(i)); });
  return out;
}

// NumPy broadcasting, written independently of sg::broadcast_shapes; assumes compatible shapes.
inline Shape broadcast(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

// The index into a tensor of `shape` that broadcasting maps the output index `out` to.
inline Index broadcast_index(const Shape& shape, const Index& out) {
  const size_t lead = out.size() - shape.size();
  Index index(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) index[d] = shape[d] == 1 ? 0 : out[lead + d];
  return index;
}

inline double read(const Tensor& t, const Index& out_index) {
  return t.at<float>(broadcast_index(t.shape(), out_index));
}

template <class F>
Ref binary(const Tensor& a, const Tensor& b, const F& f) {
  Ref out{broadcast(a.shape(), b.shape()), {}};
  for_each_index(out.shape,
                 [&](const Index& i) { out.values.push_back(f(read(a, i), read(b, i))); });
  return out;
}

enum class Reduction { sum, mean, max };

// Reduces over `axes` (negative allowed; empty means all) with one accumulator per output element.
inline Ref reduce(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim, Reduction kind) {
  const int64_t rank = x.dim();
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) reduced[a < 0 ? a + rank : a] = true;
  Shape kept;  // x's shape with reduced axes set to 1: the same flat order as the output
  Ref out;
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    kept.push_back(reduced[d] ? 1 : x.size(d));
    if (reduced[d]) count *= x.size(d);
    if (!reduced[d] || keepdim) out.shape.push_back(reduced[d] ? 1 : x.size(d));
  }
  const double init = kind == Reduction::max ? -std::numeric_limits<double>::infinity() : 0.0;
  out.values.assign(numel_of(kept), init);
  for_each_index(x.shape(), [&](const Index& i) {
    Index k = i;
    for (int64_t d = 0; d < rank; ++d)
      if (reduced[d]) k[d] = 0;
    double& acc = out.values[flat_index(kept, k)];
    const double v = x.at<float>(i);
    acc = kind == Reduction::max ? std::max(acc, v) : acc + v;
  });
  if (kind == Reduction::mean)
    for (double& v : out.values) v /= static_cast<double>(count);
  return out;
}

inline Ref argmax(const Tensor& x, int64_t axis, bool keepdim) {
  axis = axis < 0 ? axis + x.dim() : axis;
  Shape outer = x.shape();
  outer[axis] = 1;
  Ref out;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != axis || keepdim) out.shape.push_back(outer[d]);
  for_each_index(outer, [&](const Index& i) {
    Index j = i;
    int64_t best = 0;
    for (int64_t k = 1; k < x.size(axis); ++k) {
      Index b = i;
      b[axis] = best;
      j[axis] = k;
      if (x.at<float>(j) > x.at<float>(b)) best = k;  // strictly greater: the first maximum wins
    }
    out.values.push_back(static_cast<double>(best));
  });
  return out;
}

// a [..., M, K] @ b [..., K, N] with broadcast batch axes, as a triple loop.
inline Ref matmul(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  const Shape batch = broadcast(Shape(a.shape().begin(), a.shape().end() - 2),
                                Shape(b.shape().begin(), b.shape().end() - 2));
  Ref out{batch, {}};
  out.shape.insert(out.shape.end(), {m, n});
  for_each_index(batch, [&](const Index& bi) {
    Index ia = broadcast_index(Shape(a.shape().begin(), a.shape().end() - 2), bi);
    Index ib = broadcast_index(Shape(b.shape().begin(), b.shape().end() - 2), bi);
    ia.insert(ia.end(), {0, 0});
    ib.insert(ib.end(), {0, 0});
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double total = 0.0;
        for (int64_t p = 0; p < k; ++p) {
          ia[ia.size() - 2] = i;
          ia.back() = p;
          ib[ib.size() - 2] = p;
          ib.back() = j;
          total += static_cast<double>(a.at<float>(ia)) * b.at<float>(ib);
        }
        out.values.push_back(total);
      }
    }
  });
  return out;
}

// Softmax (or log-softmax) along `axis`; an f32 mask is added, a b8 mask removes entries.
inline Ref softmax(const Tensor& x, int64_t axis, const Tensor& mask, bool log) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  axis = axis < 0 ? axis + x.dim() : axis;
  const int64_t n = x.size(axis);
  Ref out{x.shape(), std::vector<double>(x.numel())};
  Shape outer = x.shape();
  outer[axis] = 1;
  for_each_index(outer, [&](const Index& row) {
    std::vector<double> logits(n);
    Index i = row;
    for (int64_t j = 0; j < n; ++j) {
      i[axis] = j;
      logits[j] = x.at<float>(i);
      if (mask.defined() && mask.dtype() == DType::f32) logits[j] += read(mask, i);
      if (mask.defined() && mask.dtype() == DType::b8 &&
          mask.at<uint8_t>(broadcast_index(mask.shape(), i)))
        logits[j] = -kInf;
    }
    const double top = *std::max_element(logits.begin(), logits.end());
    double total = 0.0;
    for (double l : logits) total += top == -kInf ? 0.0 : std::exp(l - top);
    for (int64_t j = 0; j < n; ++j) {
      i[axis] = j;
      double& v = out.values[flat_index(x.shape(), i)];
      if (top == -kInf)
        v = log ? -kInf : 0.0;
      else
        v = log ? logits[j] - top - std::log(total) : std::exp(logits[j] - top) / total;
    }
  });
  return out;
}

// The softmax backward rule, dx = y * (g - sum_j g_j y_j) along `axis`, one row at a time.
inline Ref softmax_backward(const Tensor& y, const Tensor& g, int64_t axis) {
  axis = axis < 0 ? axis + y.dim() : axis;
  Ref out{y.shape(), std::vector<double>(y.numel())};
  Shape outer = y.shape();
  outer[axis] = 1;
  for_each_index(outer, [&](const Index& row) {
    Index i = row;
    double dot = 0.0;
    for (i[axis] = 0; i[axis] < y.size(axis); ++i[axis])
      dot += static_cast<double>(g.at<float>(i)) * y.at<float>(i);
    for (i[axis] = 0; i[axis] < y.size(axis); ++i[axis])
      out.values[flat_index(y.shape(), i)] = y.at<float>(i) * (g.at<float>(i) - dot);
  });
  return out;
}

struct LayerNormRef {
  Ref y, mean, rstd;
};

// Two-pass mean and (biased) variance over the last axis.
inline LayerNormRef layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                               double eps) {
  const int64_t d = x.size(-1);
  Shape outer = x.shape();
  outer.back() = 1;
  const Shape stats(x.shape().begin(), x.shape().end() - 1);
  LayerNormRef out{{x.shape(), std::vector<double>(x.numel())}, {stats, {}}, {stats, {}}};
  for_each_index(outer, [&](const Index& row) {
    Index i = row;
    auto element = [&](int64_t j) -> double {
      i.back() = j;
      return x.at<float>(i);
    };
    double mu = 0.0, var = 0.0;
    for (int64_t j = 0; j < d; ++j) mu += element(j);
    mu /= static_cast<double>(d);
    for (int64_t j = 0; j < d; ++j) var += (element(j) - mu) * (element(j) - mu);
    const double rstd = 1.0 / std::sqrt(var / static_cast<double>(d) + eps);
    out.mean.values.push_back(mu);
    out.rstd.values.push_back(rstd);
    for (int64_t j = 0; j < d; ++j) {
      double v = (element(j) - mu) * rstd;
      if (gamma.defined()) v *= gamma.at<float>({j});
      if (beta.defined()) v += beta.at<float>({j});
      out.y.values[flat_index(x.shape(), i)] = v;
    }
  });
  return out;
}

// Checks shape and values: |got - want| <= atol + rtol * |want| everywhere; infinities must match
// exactly and NaN never passes. Reports the worst element only, to keep failures readable.
inline void check_close(const Tensor& got, const Ref& want, double rtol = 1e-5,
                        double atol = 1e-6) {
  REQUIRE(got.shape() == want.shape);
  const std::vector<float> values = got.to(DType::f32).to_vector<float>();
  REQUIRE(values.size() == want.values.size());
  size_t worst = 0;
  double worst_excess = -1.0;  // error minus tolerance: positive means a failure
  for (size_t i = 0; i < values.size(); ++i) {
    const double g = values[i], w = want.values[i];
    double excess;
    if (std::isinf(w) || std::isinf(g))
      excess = g == w ? -1.0 : 1.0;
    else if (std::isnan(g) || std::isnan(w))
      excess = 1.0;
    else
      excess = std::abs(g - w) - (atol + rtol * std::abs(w));
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  if (values.empty()) return;
  INFO("flat index ", worst, ": got ", values[worst], ", expected ", want.values[worst]);
  CHECK(worst_excess <= 0.0);
}

using testing::error_message;

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Restores the process-wide thread count when a test that changes it ends.
class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int saved_;
};

}  // namespace sg::ref
