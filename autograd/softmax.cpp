#include "synthgrad/autograd/softmax.h"

#include <limits>

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/elementwise.h"
#include "synthgrad/core/indexing.h"
#include "synthgrad/core/reduce.h"
#include "synthgrad/core/softmax.h"

namespace sg {

// y = softmax(x): dx = y * (g - sum(g * y)) along the axis.
Variable softmax(const Variable& x, int64_t axis, const Tensor& mask) {
  Tensor y = softmax(x.data(), axis, mask);
  return record("softmax", {x}, y, [y, axis](const Tensor& g, const auto&) {
    return Grads{softmax_backward(y, g, axis)};
  });
}

// y = log_softmax(x): dx = g - softmax(x) * sum(g). Masked entries (y = -inf) get no gradient.
Variable log_softmax(const Variable& x, int64_t axis, const Tensor& mask) {
  Tensor y = log_softmax(x.data(), axis, mask);
  return record(
      "log_softmax", {x}, y, [y, axis, masked = mask.defined()](const Tensor& g, const auto&) {
        Tensor dx = sub(g, mul(exp(y), sum(g, {axis}, true)));
        if (masked)
          dx = masked_fill(dx, eq(y, scalar(-std::numeric_limits<float>::infinity())), 0.0f);
        return Grads{dx};
      });
}

}  // namespace sg
