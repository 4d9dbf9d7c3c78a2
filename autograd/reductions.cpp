#include "synthgrad/autograd/reductions.h"

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/elementwise.h"
#include "synthgrad/core/reduce.h"

namespace sg {

namespace {

// The reduced gradient spread back over the input's shape: a stride-0 view, no copy.
Tensor expand_back(const Tensor& g, const Shape& input_shape, const std::vector<int64_t>& axes) {
  Shape kept = input_shape;
  for (int64_t axis : normalize_axes(axes, static_cast<int64_t>(input_shape.size()), "sum"))
    kept[axis] = 1;
  return g.reshape(kept).expand(input_shape);
}

}  // namespace

Variable sum(const Variable& x, const std::vector<int64_t>& axes, bool keepdim) {
  return record("sum", {x}, sum(x.data(), axes, keepdim),
                [shape = x.shape(), axes](const Tensor& g, const auto&) {
                  return Grads{expand_back(g, shape, axes)};
                });
}

Variable mean(const Variable& x, const std::vector<int64_t>& axes, bool keepdim) {
  Tensor out = mean(x.data(), axes, keepdim);
  const float scale = static_cast<float>(out.numel()) / static_cast<float>(x.numel());
  return record("mean", {x}, out, [shape = x.shape(), axes, scale](const Tensor& g, const auto&) {
    return Grads{expand_back(mul(g, scale), shape, axes)};
  });
}

Variable max(const Variable& x, const std::vector<int64_t>& axes, bool keepdim) {
  Tensor out = max(x.data(), axes, keepdim);
  return record("max", {x}, out, [x = x.data(), out, axes](const Tensor& g, const auto&) {
    const Tensor at_max = eq(x, expand_back(out, x.shape(), axes)).to(DType::f32);
    const Tensor ties = sum(at_max, axes, true);
    return Grads{mul(at_max, div(expand_back(g, x.shape(), axes), ties.expand(x.shape())))};
  });
}

}  // namespace sg
