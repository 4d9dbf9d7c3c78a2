#include "synthgrad/core/creation.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace sg {

Tensor full(const Shape& shape, float value, DType dtype) {
  Tensor out = Tensor::empty(shape, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T element{};
    SG_CHECK(convert_element(value, element), "full: {} is not a {} value", value,
             dtype_name(dtype));
    std::fill_n(out.data<T>(), out.numel(), element);
  });
  return out;
}

Tensor zeros(const Shape& shape, DType dtype) {
  return full(shape, 0.0f, dtype);
}
Tensor ones(const Shape& shape, DType dtype) {
  return full(shape, 1.0f, dtype);
}
Tensor scalar(float value) {
  return full({}, value);
}

Tensor arange(int64_t start, int64_t end, int64_t step, DType dtype) {
  SG_CHECK(step != 0, "arange: step must not be zero");
  // Unsigned: end - start overflows int64 for ranges such as [INT64_MIN, INT64_MAX).
  const bool up = step > 0;
  uint64_t count = 0;
  if (up ? end > start : end < start) {
    const uint64_t span = up ? static_cast<uint64_t>(end) - static_cast<uint64_t>(start)
                             : static_cast<uint64_t>(start) - static_cast<uint64_t>(end);
    const uint64_t stride = up ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
    count = span / stride + (span % stride != 0);
  }
  SG_CHECK(count <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
           "arange: [{}, {}) by {} has more elements than int64 counts", start, end, step);
  const auto n = static_cast<int64_t>(count);
  Tensor out = Tensor::empty({n}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* data = out.data<T>();
    for (int64_t i = 0; i < n; ++i) data[i] = static_cast<T>(start + i * step);
  });
  return out;
}

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  SG_CHECK(numel_of(shape) == static_cast<int64_t>(values.size()),
           "from_vector: {} values do not fill shape {}", values.size(), shape_str(shape));
  Tensor out = Tensor::empty(shape, dtype_of<T>());
  if (!values.empty()) std::memcpy(out.data<T>(), values.data(), values.size() * sizeof(T));
  return out;
}

template Tensor from_vector<float>(const std::vector<float>&, const Shape&);
template Tensor from_vector<int32_t>(const std::vector<int32_t>&, const Shape&);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&);
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, const Shape&);

}  // namespace sg
