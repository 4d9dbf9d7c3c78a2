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

float row_weight(const CrossEntropyOptions& options, int64_t target) {
  if (target == options.ignore_index) return 0.0f;
  return options.class_weights.empty() ? 1.0f : options.class_weights[target];
}

}  // namespace

CrossEntropyForward cross_entropy_forward(const Tensor& logits, const Tensor& targets,
                                          const CrossEntropyOptions& options) {
  const std::vector<int64_t> t = checked_targets(logits, targets, options);
  CrossEntropyForward out{0.0f, 0.0, log_softmax(logits, 1)};
  const int64_t classes = logits.size(1);
  const float* lp = out.log_probs.data<float>();
  const float smooth = options.label_smoothing;
  double total = 0.0;  // rows in order: the loss does not depend on the thread count
  for (size_t i = 0; i < t.size(); ++i) {
    const float weight = row_weight(options, t[i]);
    if (weight == 0.0f) continue;
    const float* row = lp + static_cast<int64_t>(i) * classes;
    double row_loss = -(1.0 - smooth) * row[t[i]];
    if (smooth > 0.0f) {
      double all = 0.0;
      for (int64_t c = 0; c < classes; ++c) all += row[c];
      row_loss -= smooth * all / static_cast<double>(classes);
    }
    total += weight * row_loss;
    out.weight += weight;
  }
  out.loss = out.weight > 0.0 ? static_cast<float>(total / out.weight) : 0.0f;
  return out;
}

Tensor cross_entropy_backward(const CrossEntropyForward& forward, const Tensor& targets,
                              const CrossEntropyOptions& options, float grad) {
  const Tensor& lp = forward.log_probs;
  const std::vector<int64_t> t = checked_targets(lp, targets, options);
  const int64_t classes = lp.size(1);
  Tensor dlogits = Tensor::empty(lp.shape());
  const double scale = forward.weight > 0.0 ? grad / forward.weight : 0.0;
  const float smooth_each = options.label_smoothing / static_cast<float>(classes);
  const float* plp = lp.data<float>();
  float* pd = dlogits.data<float>();
  parallel_for(0, static_cast<int64_t>(t.size()), std::max<int64_t>(1, kParallelGrain / classes),
               [&](int64_t begin, int64_t end) {
                 for (int64_t i = begin; i < end; ++i) {
                   float* d = pd + i * classes;
                   const float row_scale = static_cast<float>(scale * row_weight(options, t[i]));
                   if (row_scale == 0.0f) {
                     std::fill_n(d, classes, 0.0f);
                     continue;
                   }
                   const float* row = plp + i * classes;
                   for (int64_t c = 0; c < classes; ++c)
                     d[c] = (fast_exp(row[c]) - smooth_each) * row_scale;
                   d[t[i]] -= (1.0f - options.label_smoothing) * row_scale;
                 }
               });
  return dlogits;
}

}  // namespace sg
