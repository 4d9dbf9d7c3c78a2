#include "synthgrad/autograd/losses.h"

#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/record.h"
#include "synthgrad/autograd/reductions.h"
#include "synthgrad/core/creation.h"

namespace sg {

Variable cross_entropy(const Variable& logits, const Tensor& targets,
                       const CrossEntropyOptions& options) {
  SG_CHECK(logits.dim() >= 1, "cross_entropy: logits need a class axis, got shape {}",
           shape_str(logits.shape()));
  SG_CHECK(targets.defined() &&
               targets.shape() == Shape(logits.shape().begin(), logits.shape().end() - 1),
           "cross_entropy: targets of shape {} do not match logits of shape {}",
           targets.defined() ? shape_str(targets.shape()) : "undefined", shape_str(logits.shape()));
  const Tensor flat_targets = targets.reshape({targets.numel()});
  const Tensor flat_logits = logits.data().reshape({targets.numel(), logits.size(-1)});
  auto forward = std::make_shared<CrossEntropyForward>(
      cross_entropy_forward(flat_logits, flat_targets, options));
  return record(
      "cross_entropy", {logits}, scalar(forward->loss),
      [forward, flat_targets, options, shape = logits.shape()](const Tensor& g, const auto&) {
        return Grads{cross_entropy_backward(*forward, flat_targets, options, g.item<float>())
                         .reshape(shape)};
      });
}

Variable mse(const Variable& prediction, const Variable& target) {
  // No broadcasting: a [B, 1] prediction against a [B] target would silently become [B, B].
  SG_CHECK(prediction.shape() == target.shape(), "mse: prediction {} and target {} differ in shape",
           shape_str(prediction.shape()), shape_str(target.shape()));
  return mean(pow(prediction - target, 2.0f));
}

}  // namespace sg
