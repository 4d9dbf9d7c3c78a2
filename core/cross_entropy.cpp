#include "synthgrad/core/cross_entropy.h"

#include <cmath>
#include <vector>

#include "synthgrad/core/fast_math.h"
#include "synthgrad/core/parallel.h"
#include "synthgrad/core/softmax.h"

namespace sg {

namespace {

std::vector<int64_t> checked_targets(const Tensor& logits, const Tensor& targets,
                                     const CrossEntropyOptions& options) {
  SG_CHECK(
      logits.defined() && logits.dtype() == DType::f32 && logits.dim() == 2 && logits.size(1) > 0,
      "cross_entropy: logits must be f32 of shape [N, C] with C > 0, got {}",
      logits.defined() ? shape_str(logits.shape()) : "undefined");
  SG_CHECK(targets.defined() && (targets.dtype() == DType::i32 || targets.dtype() == DType::i64) &&
               targets.dim() == 1 && targets.size(0) == logits.size(0),
           "cross_entropy: targets must be integers of shape [{}], got {} {}", logits.size(0),
           targets.defined() ? dtype_name(targets.dtype()) : "undefined",
           targets.defined() ? shape_str(targets.shape()) : "");
  SG_CHECK(options.label_smoothing >= 0.0f && options.label_smoothing <= 1.0f,
           "cross_entropy: label_smoothing {} is outside [0, 1]", options.label_smoothing);
  std::vector<int64_t> t = targets.to(DType::i64).to_vector<int64_t>();
  const int64_t classes = logits.size(1);
  for (size_t i = 0; i < t.size(); ++i)
    SG_CHECK(t[i] == options.ignore_index || (t[i] >= 0 && t[i] < classes),
             "cross_entropy: target {} at row {} is outside [0, {}) and is not the ignore index {}",
             t[i], i, classes, options.ignore_index);
  const std::vector<float>& w = options.class_weights;
  SG_CHECK(w.empty() || static_cast<int64_t>(w.size()) == classes,
           "cross_entropy: {} class weights for {} classes", w.size(), classes);
  for (size_t c = 0; c < w.size(); ++c)
    SG_CHECK(std::isfinite(w[c]) && w[c] >= 0.0f,
             "cross_entropy: class weight {} of class {} is not a finite value >= 0", w[c], c);
  return t;
}

// Class c's weight: 1 without class weights.
float class_weight(const CrossEntropyOptions& options, int64_t c) {
  return options.class_weights.empty() ? 1.0f : options.class_weights[static_cast<size_t>(c)];
}

}  // namespace

// With class weights and label smoothing, PyTorch's rule: row i adds
// (1 - e) w[t_i] (-log p[t_i]) + (e / C) sum_c w[c] (-log p[c]), and the sum is divided by the
// sum of w[t_i] over the rows counted; without weights every w is 1.
CrossEntropyForward cross_entropy_forward(const Tensor& logits, const Tensor& targets,
                                          const CrossEntropyOptions& options) {
  const std::vector<int64_t> t = checked_targets(logits, targets, options);
  CrossEntropyForward out{0.0f, 0.0, log_softmax(logits, 1)};
  const int64_t classes = logits.size(1);
  const float* lp = out.log_probs.data<float>();
  const float smooth = options.label_smoothing;
  double total = 0.0;  // rows in order: the loss does not depend on the thread count
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == options.ignore_index) continue;
    const float weight = class_weight(options, t[i]);
    const float* row = lp + static_cast<int64_t>(i) * classes;
    double row_loss = -(1.0 - smooth) * weight * row[t[i]];
    if (smooth > 0.0f) {
      double all = 0.0;
      for (int64_t c = 0; c < classes; ++c) all += class_weight(options, c) * row[c];
      row_loss -= smooth * all / static_cast<double>(classes);
    }
    total += row_loss;
    out.weight += weight;
  }
  out.loss = out.weight > 0.0 ? static_cast<float>(total / out.weight) : 0.0f;
  return out;
}

// d row_i / d logit c = p[c] ((1 - e) w[t_i] + e W / C) - (e / C) w[c] - [c = t_i] (1 - e) w[t_i],
// W the sum of the class weights: (p[c] - e / C) - [c = t_i] (1 - e) without weights.
Tensor cross_entropy_backward(const CrossEntropyForward& forward, const Tensor& targets,
                              const CrossEntropyOptions& options, float grad) {
  const Tensor& lp = forward.log_probs;
  const std::vector<int64_t> t = checked_targets(lp, targets, options);
  const int64_t classes = lp.size(1);
  Tensor dlogits = Tensor::empty(lp.shape());
  const auto scale = static_cast<float>(forward.weight > 0.0 ? grad / forward.weight : 0.0);
  const float smooth = options.label_smoothing;
  const float smooth_each = smooth / static_cast<float>(classes);
  const float* weights = options.class_weights.empty() ? nullptr : options.class_weights.data();
  double all_weights = 0.0;
  for (int64_t c = 0; c < classes; ++c) all_weights += class_weight(options, c);
  const float* plp = lp.data<float>();
  float* pd = dlogits.data<float>();
  parallel_for(
      0, static_cast<int64_t>(t.size()), std::max<int64_t>(1, kParallelGrain / classes),
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          float* d = pd + i * classes;
          if (t[i] == options.ignore_index) {
            std::fill_n(d, classes, 0.0f);
            continue;
          }
          const float target_weight = class_weight(options, t[i]);
          // 1 exactly without weights, so that the unweighted gradient keeps its bits.
          const auto probability_factor = static_cast<float>(
              (1.0 - smooth) * target_weight + smooth * all_weights / static_cast<double>(classes));
          const float* row = plp + i * classes;
          // Two loops, so that the unweighted one (a language model's 10^4-class rows) stays a
          // plain vector loop with no per-class weight to fetch.
          if (weights == nullptr)
            for (int64_t c = 0; c < classes; ++c)
              d[c] = (fast_exp(row[c]) * probability_factor - smooth_each) * scale;
          else
            for (int64_t c = 0; c < classes; ++c)
              d[c] = (fast_exp(row[c]) * probability_factor - smooth_each * weights[c]) * scale;
          d[t[i]] -= (1.0f - smooth) * target_weight * scale;
        }
      });
  return dlogits;
}

}  // namespace sg
