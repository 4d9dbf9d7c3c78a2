#pragma once
#include <vector>

#include "synthgrad/core/tensor.h"

namespace sg {

Tensor zeros(const Shape& shape, DType dtype = DType::f32);
Tensor ones(const Shape& shape, DType dtype = DType::f32);
Tensor full(const Shape& shape, float value, DType dtype = DType::f32);
Tensor scalar(float value);  // a rank-0 f32 tensor

// [start, end) in steps of `step`.
Tensor arange(int64_t start, int64_t end, int64_t step = 1, DType dtype = DType::i64);
inline Tensor arange(int64_t end, DType dtype = DType::i64) {
  return arange(0, end, 1, dtype);
}

// Copies `values` into a new tensor of `shape`, or a 1-D tensor when no shape is given.
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape);
template <class T>
Tensor from_vector(const std::vector<T>& values) {
  return from_vector(values, Shape{static_cast<int64_t>(values.size())});
}

}  // namespace sg
