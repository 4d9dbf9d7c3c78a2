#include "synthgrad/core/shape.h"

#include <algorithm>

#include "synthgrad/core/error.h"

namespace sg {

int64_t numel_of(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

int64_t checked_numel(const Shape& shape, const char* op) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  int64_t n = 1;
  for (int64_t s : shape)
    SG_CHECK(!__builtin_mul_overflow(n, s, &n), "{}: shape {} has more elements than int64 counts",
             op, shape_str(shape));
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

std::string shape_str(const Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

int64_t normalize_axis(int64_t axis, int64_t rank, const char* op) {
  SG_CHECK(axis >= -rank && axis < rank, "{}: axis {} is out of range for a tensor of rank {}", op,
           axis, rank);
  return axis < 0 ? axis + rank : axis;
}

bool broadcastable(const Shape& a, const Shape& b) {
  return std::equal(a.rbegin(), a.rbegin() + static_cast<int64_t>(std::min(a.size(), b.size())),
                    b.rbegin(), [](int64_t x, int64_t y) { return x == y || x == 1 || y == 1; });
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  SG_CHECK(broadcastable(a, b), "{}: shapes {} and {} cannot be broadcast together", op,
           shape_str(a), shape_str(b));
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank,
                                    const char* op) {
  std::vector<int64_t> out;
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (int64_t axis : axes) out.push_back(normalize_axis(axis, rank, op));
  std::sort(out.begin(), out.end());
  SG_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), "{}: repeated axis in [{}]", op,
           fmt::join(axes, ", "));
  return out;
}

}  // namespace sg
