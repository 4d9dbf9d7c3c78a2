#include "synthgrad/autograd/activations.h"

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/elementwise.h"
#include "synthgrad/core/indexing.h"

namespace sg {

// Where the derivative is a function of the output y, the rule saves y rather than x.

Variable exp(const Variable& x) {
  Tensor y = exp(x.data());
  return record("exp", {x}, y, [y](const Tensor& g, const auto&) { return Grads{mul(g, y)}; });
}

Variable log(const Variable& x) {
  return record("log", {x}, log(x.data()),
                [x = x.data()](const Tensor& g, const auto&) { return Grads{div(g, x)}; });
}

Variable sqrt(const Variable& x) {
  Tensor y = sqrt(x.data());
  return record("sqrt", {x}, y,
                [y](const Tensor& g, const auto&) { return Grads{div(mul(g, 0.5f), y)}; });
}

Variable tanh(const Variable& x) {
  Tensor y = tanh(x.data());
  return record("tanh", {x}, y, [y](const Tensor& g, const auto&) {
    return Grads{mul(g, add(neg(mul(y, y)), 1.0f))};
  });
}

Variable sigmoid(const Variable& x) {
  Tensor y = sigmoid(x.data());
  return record("sigmoid", {x}, y, [y](const Tensor& g, const auto&) {
    return Grads{mul(mul(g, y), add(neg(y), 1.0f))};
  });
}

// d softplus(x) / dx = sigmoid(x). The rule saves x rather than y: computed from y, sigmoid(x) =
// 1 - exp(-y) loses digits as y shrinks and is exactly 0 for x below about -17.
Variable softplus(const Variable& x) {
  return record("softplus", {x}, softplus(x.data()),
                [x = x.data()](const Tensor& g, const auto&) { return Grads{mul(g, sigmoid(x))}; });
}

Variable relu(const Variable& x) {
  Tensor y = relu(x.data());
  return record("relu", {x}, y, [y](const Tensor& g, const auto&) {
    return Grads{where(gt(y, scalar(0.0f)), g, scalar(0.0f))};
  });
}

Variable gelu(const Variable& x) {
  return record("gelu", {x}, gelu(x.data()), [x = x.data()](const Tensor& g, const auto&) {
    return Grads{gelu_backward(x, g)};
  });
}

}  // namespace sg
