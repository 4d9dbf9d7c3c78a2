#pragma once
// Tensor: a strided view of shared, aligned storage. Views (reshape, transpose, narrow, expand...)
// share storage with their source; kernels always write fresh contiguous tensors unless named
// `_inplace`.
#include <memory>
#include <vector>

#include "synthgrad/core/dtype.h"
#include "synthgrad/core/error.h"
#include "synthgrad/core/shape.h"
#include "synthgrad/core/storage.h"

namespace sg {

class Tensor {
 public:
  // An undefined tensor: defined() is false, it has no elements (shape [], numel 0), and every
  // operation on it, views included, throws.
  Tensor() = default;

  // Fresh, contiguous and uninitialised.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t axis) const;
  int64_t numel() const { return defined() ? numel_of(shape_) : 0; }
  bool is_contiguous() const;
  bool shares_storage_with(const Tensor& other) const { return storage_ == other.storage_; }

  // Pointer to the first element; T must match dtype().
  template <class T>
  T* data() const {
    check_dtype(dtype_of<T>(), "data");
    return reinterpret_cast<T*>(storage_->data()) + offset_;
  }
  std::byte* raw_data() const;

  // Element access for tests and small programs; bounds are checked.
  template <class T>
  T& at(const std::vector<int64_t>& index) const {
    check_dtype(dtype_of<T>(), "at");
    return reinterpret_cast<T*>(storage_->data())[element_offset(index)];
  }
  template <class T>
  T item() const;
  template <class T>
  std::vector<T> to_vector() const;

  // Views: no data is copied.
  Tensor view(Shape shape) const;  // one dimension may be -1; throws when strides do not allow it
  Tensor transpose(int64_t axis0, int64_t axis1) const;
  Tensor permute(const std::vector<int64_t>& order) const;
  Tensor narrow(int64_t axis, int64_t start, int64_t length) const;
  Tensor slice(int64_t axis, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t axis, int64_t index) const;  // drops `axis`
  Tensor unsqueeze(int64_t axis) const;
  Tensor squeeze(int64_t axis) const;
  Tensor squeeze() const;                   // every size-1 axis
  Tensor expand(const Shape& shape) const;  // broadcast with stride 0; may add leading axes

  // A view when the layout allows it, otherwise a contiguous copy.
  Tensor reshape(Shape shape) const;
  Tensor contiguous() const;
  Tensor clone() const;  // always a fresh contiguous copy
  Tensor to(DType dtype) const;

 private:
  void check_dtype(DType expected, const char* op) const;
  int64_t element_offset(const std::vector<int64_t>& index) const;
  Tensor with_layout(const char* op, Shape shape, Shape strides, int64_t offset) const;

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;  // in elements
  int64_t offset_ = 0;
  DType dtype_ = DType::f32;
};

// Copies src into dst element-wise, broadcasting src to dst's shape; dst may be a strided view.
void copy_into(const Tensor& dst, const Tensor& src);

// "f32 [2, 3]", or "undefined": a tensor as error messages name it.
std::string describe(const Tensor& t);

// t.contiguous(), or an undefined tensor for an undefined t: an optional operand that a kernel
// reads through a raw pointer.
Tensor contiguous_or_none(const Tensor& t);

// True when some of t's elements are one element of memory (an expanded view): writing through
// it in place would write one place several times.
bool repeats_elements(const Tensor& t);
// Throws, naming op, when dst repeats its elements.
void check_writable(const Tensor& dst, const char* op);

// `src` as a kernel writing `dst` in place may read it: itself, or a copy when it is another view
// of dst's memory (writing a matrix from its own transpose read elements already overwritten).
Tensor readable_while_writing(const Tensor& dst, const Tensor& src);

}  // namespace sg
