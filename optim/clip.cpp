#include "synthgrad/optim/clip.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "synthgrad/core/lane_sum.h"
#include "synthgrad/core/parallel.h"
#include "synthgrad/optim/flat_pass.h"

namespace sg::optim {

namespace {

// Elements per partial sum of squares. The partial sums are cut by position in the flat range, not
// by thread, and added in order: the norm does not depend on the thread count.
constexpr int64_t kChunk = 8192;

// The gradients of `params` (those that have one), laid end to end as one flat range: contiguous,
// each listed once.
struct FlatGradients {
  std::vector<float*> data;
  std::vector<int64_t> starts{0};
};

FlatGradients flat_gradients(const std::vector<Variable>& params) {
  FlatGradients flat;
  std::map<const float*, size_t> seen;
  for (size_t i = 0; i < params.size(); ++i) {
    Variable p = params[i];  // a handle: setting its gradient sets the caller's
    if (!p.grad().defined()) continue;
    if (!p.grad().is_contiguous()) p.set_grad(p.grad().contiguous());
    float* data = p.grad().data<float>();
    if (p.grad().numel() > 0) {
      const auto [it, fresh] = seen.emplace(data, i);
      SG_CHECK(fresh,
               "clip_grad_norm: parameter {} has the gradient of parameter {} (listed twice?)", i,
               it->second);
    }
    flat.data.push_back(data);
    flat.starts.push_back(flat.starts.back() + p.grad().numel());
  }
  return flat;
}

// The sum of g[j]^2 for j in [0, n), each square in double: a float square overflows for |g| above
// 1.8e19, and the norm came out infinite for finite gradients.
double squares_in_double(const float* g, int64_t n) {
  return lane_sum<double>(n, [g](int64_t j) {
    const auto x = static_cast<double>(g[j]);
    return x * x;
  });
}

double sum_of_squares(const FlatGradients& flat) {
  const int64_t total = flat.starts.back();
  std::vector<double> partial((total + kChunk - 1) / kChunk);
  parallel_for(0, static_cast<int64_t>(partial.size()), kParallelGrain / kChunk,
               [&](int64_t begin, int64_t end) {
                 for (int64_t c = begin; c < end; ++c) {
                   double squares = 0.0;
                   detail::for_each_piece(
                       flat.starts, c * kChunk, std::min(total, (c + 1) * kChunk),
                       [&](size_t k, int64_t from, int64_t to) {
                         squares += squares_in_double(flat.data[k] + from, to - from);
                       });
                   partial[c] = squares;
                 }
               });
  double squares = 0.0;
  for (double s : partial) squares += s;
  return squares;
}

template <class Factor>
void scale(const FlatGradients& flat, Factor factor) {
  parallel_for(0, flat.starts.back(), kParallelGrain, [&](int64_t begin, int64_t end) {
    detail::for_each_piece(flat.starts, begin, end, [&](size_t k, int64_t from, int64_t to) {
      float* g = flat.data[k];
      for (int64_t i = from; i < to; ++i) g[i] = static_cast<float>(g[i] * factor);
    });
  });
}

}  // namespace

double clip_grad_norm(const std::vector<Variable>& params, double max_norm) {
  SG_CHECK(max_norm > 0.0, "clip_grad_norm: max_norm {} must be positive", max_norm);
  // All gradients as one flat range: one parallel pass for the norm, one for the scaling, however
  // many tensors (most of a model's are biases and norm weights of a few hundred floats).
  const FlatGradients flat = flat_gradients(params);
  const double norm = std::sqrt(sum_of_squares(flat));
  // A NaN or infinite norm is returned unclipped: scaling would only turn Inf into NaN.
  if (std::isfinite(norm) && norm > max_norm) {
    const double factor = max_norm / (norm + 1e-6);
    // A norm past float's range (gradients near 3.4e38) gives a factor below float's normal range,
    // where a float factor would keep only a few digits.
    if (factor >= static_cast<double>(std::numeric_limits<float>::min()))
      scale(flat, static_cast<float>(factor));
    else
      scale(flat, factor);
  }
  return norm;
}

}  // namespace sg::optim
