#include "synthgrad/nn/losses.h"

#include "synthgrad/autograd/activations.h"
#include "synthgrad/autograd/arithmetic.h"
#include "synthgrad/autograd/reductions.h"

namespace sg::nn {

// -[t log s(x) + (1 - t) log(1 - s(x))] = log(1 + e^x) - t x, since log s(x) = x - log(1 + e^x).
Variable binary_cross_entropy_with_logits(const Variable& logits, const Variable& targets) {
  SG_CHECK(logits.shape() == targets.shape(),
           "binary_cross_entropy_with_logits: logits {} and targets {} differ in shape",
           shape_str(logits.shape()), shape_str(targets.shape()));
  return mean(softplus(logits) - targets * logits);
}

}  // namespace sg::nn
