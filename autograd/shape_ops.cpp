#include "synthgrad/autograd/shape_ops.h"

#include "synthgrad/autograd/record.h"
#include "synthgrad/core/creation.h"
#include "synthgrad/core/indexing.h"
#include "synthgrad/core/reduce.h"

namespace sg {

namespace {

// The backward of any view that picks a part of x: zeros of x's shape with g written into the
// same part. `view_of` maps a tensor of x's shape to the part.
template <class ViewOf>
Variable record_part(const char* op, const Variable& x, const ViewOf& view_of) {
  return record(op, {x}, view_of(x.data()),
                [shape = x.shape(), view_of](const Tensor& g, const auto&) {
                  Tensor dx = zeros(shape);
                  copy_into(view_of(dx), g);
                  return Grads{dx};
                });
}

// Views that keep every element: the gradient takes the input's shape again.
Variable record_reshape(const char* op, const Variable& x, Tensor out) {
  return record(op, {x}, std::move(out), [shape = x.shape()](const Tensor& g, const auto&) {
    return Grads{g.reshape(shape)};
  });
}

}  // namespace

Variable reshape(const Variable& x, const Shape& shape) {
  return record_reshape("reshape", x, x.data().reshape(shape));
}

Variable unsqueeze(const Variable& x, int64_t axis) {
  return record_reshape("unsqueeze", x, x.data().unsqueeze(axis));
}

Variable squeeze(const Variable& x, int64_t axis) {
  return record_reshape("squeeze", x, x.data().squeeze(axis));
}

Variable transpose(const Variable& x, int64_t axis0, int64_t axis1) {
  return record(
      "transpose", {x}, x.data().transpose(axis0, axis1),
      [axis0, axis1](const Tensor& g, const auto&) { return Grads{g.transpose(axis0, axis1)}; });
}

Variable permute(const Variable& x, const std::vector<int64_t>& order) {
  Tensor out = x.data().permute(order);
  std::vector<int64_t> inverse(order.size());
  for (size_t d = 0; d < order.size(); ++d)
    inverse[order[d] < 0 ? order[d] + x.dim() : order[d]] = static_cast<int64_t>(d);
  return record("permute", {x}, out,
                [inverse](const Tensor& g, const auto&) { return Grads{g.permute(inverse)}; });
}

Variable slice(const Variable& x, int64_t axis, int64_t start, int64_t end, int64_t step) {
  return record_part("slice", x, [=](const Tensor& t) { return t.slice(axis, start, end, step); });
}

Variable narrow(const Variable& x, int64_t axis, int64_t start, int64_t length) {
  return slice(x, axis, start, start + length);
}

Variable select(const Variable& x, int64_t axis, int64_t index) {
  return record_part("select", x, [=](const Tensor& t) { return t.select(axis, index); });
}

Variable expand(const Variable& x, const Shape& shape) {
  return record("expand", {x}, x.data().expand(shape),
                [in = x.shape()](const Tensor& g, const auto&) { return Grads{sum_to(g, in)}; });
}

Variable concat(const std::vector<Variable>& xs, int64_t axis) {
  std::vector<Tensor> data;
  std::vector<int64_t> sizes;
  for (const Variable& x : xs) data.push_back(x.data());
  Tensor out = concat(data, axis);
  const int64_t a = normalize_axis(axis, out.dim(), "concat");
  for (const Variable& x : xs) sizes.push_back(x.size(a));
  return record("concat", xs, out,
                [sizes, a](const Tensor& g, const auto&) { return split(g, sizes, a); });
}

std::vector<Variable> split(const Variable& x, const std::vector<int64_t>& sizes, int64_t axis) {
  const int64_t a = normalize_axis(axis, x.dim(), "split");
  split(x.data(), sizes, a);  // validates the sizes before any part is recorded
  std::vector<Variable> parts;
  int64_t start = 0;
  for (int64_t s : sizes) {
    parts.push_back(narrow(x, a, start, s));
    start += s;
  }
  return parts;
}

}  // namespace sg
