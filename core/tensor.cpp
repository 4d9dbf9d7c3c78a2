#include "synthgrad/core/tensor.h"

#include <cstdint>
#include <new>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <optional>

#include "synthgrad/core/strided_loop.h"

namespace sg {

namespace {

// Strides that let `shape` walk the same elements as (old_shape, old_strides) in row-major order,
// or nothing when the old layout splits a chunk the new shape needs contiguous.
std::optional<Shape> strides_for_view(const Shape& old_shape, const Shape& old_strides,
                                      const Shape& shape) {
  if (old_shape.empty() || numel_of(shape) == 0) return contiguous_strides(shape);
  const int64_t rank = static_cast<int64_t>(shape.size());
  Shape strides(rank);
  int64_t view_d = rank - 1;
  int64_t chunk_stride = old_strides.back();
  int64_t tensor_numel = 1;
  int64_t view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    bool chunk_ends =
        d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_stride);
    if (!chunk_ends) continue;
    while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
      strides[view_d] = view_numel * chunk_stride;
      view_numel *= shape[view_d];
      --view_d;
    }
    if (view_numel != tensor_numel) return std::nullopt;
    if (d > 0) {
      chunk_stride = old_strides[d - 1];
      tensor_numel = 1;
      view_numel = 1;
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}

// Replaces one -1 in `shape` by the size that keeps `numel` elements.
Shape infer_shape(Shape shape, int64_t numel, const Shape& from, const char* op) {
  auto unknown = std::find(shape.begin(), shape.end(), -1);
  if (unknown != shape.end()) {
    SG_CHECK(std::find(unknown + 1, shape.end(), -1) == shape.end(),
             "{}: only one dimension may be -1 in {}", op, shape_str(shape));
    int64_t known = 1;
    for (int64_t s : shape)
      if (s != -1) known *= s;
    SG_CHECK(known != 0 && numel % known == 0, "{}: cannot view shape {} as {}", op,
             shape_str(from), shape_str(shape));
    *unknown = numel / known;
  }
  for (int64_t s : shape) SG_CHECK(s >= 0, "{}: negative dimension in {}", op, shape_str(shape));
  const int64_t count = checked_numel(shape, op);
  SG_CHECK(count == numel, "{}: cannot view shape {} ({} elements) as {} ({} elements)", op,
           shape_str(from), numel, shape_str(shape), count);
  return shape;
}

}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  for (int64_t s : shape) SG_CHECK(s >= 0, "empty: negative dimension in {}", shape_str(shape));
  size_t bytes = 0;
  // Past PTRDIFF_MAX the allocator's rounding up to a size class wraps to a tiny block.
  SG_CHECK(!__builtin_mul_overflow(static_cast<size_t>(checked_numel(shape, "empty")),
                                   dtype_size(dtype), &bytes) &&
               bytes <= static_cast<size_t>(PTRDIFF_MAX),
           "empty: {} {} has more bytes than memory addresses", dtype_name(dtype),
           shape_str(shape));
  Tensor t;
  try {
    t.storage_ = std::make_shared<Storage>(bytes);
  } catch (const std::bad_alloc&) {
    fail("empty: cannot allocate {} bytes for {} {}", bytes, dtype_name(dtype), shape_str(shape));
  }
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  return t;
}

int64_t Tensor::size(int64_t axis) const {
  return shape_[normalize_axis(axis, dim(), "size")];
}

bool Tensor::is_contiguous() const {
  // Zero elements fit any layout. Without this, a fresh zero-size tensor would look strided, since
  // contiguous_strides() steps over a 0-sized axis as if it had size 1.
  if (numel() == 0) return true;
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (shape_[d] != 1 && strides_[d] != expected) return false;
    expected *= shape_[d];
  }
  return true;
}

std::byte* Tensor::raw_data() const {
  SG_CHECK(defined(), "raw_data: the tensor is undefined");
  return storage_->data() + offset_ * static_cast<int64_t>(dtype_size(dtype_));
}

void Tensor::check_dtype(DType expected, const char* op) const {
  SG_CHECK(defined(), "{}: the tensor is undefined", op);
  SG_CHECK(dtype_ == expected, "{}: tensor has dtype {}, accessed as {}", op, dtype_name(dtype_),
           dtype_name(expected));
}

int64_t Tensor::element_offset(const std::vector<int64_t>& index) const {
  SG_CHECK(static_cast<int64_t>(index.size()) == dim(),
           "at: index [{}] has {} entries for shape {}", fmt::join(index, ", "), index.size(),
           shape_str(shape_));
  int64_t offset = offset_;
  for (int64_t d = 0; d < dim(); ++d) {
    SG_CHECK(index[d] >= 0 && index[d] < shape_[d], "at: index [{}] is out of bounds for shape {}",
             fmt::join(index, ", "), shape_str(shape_));
    offset += index[d] * strides_[d];
  }
  return offset;
}

template <class T>
T Tensor::item() const {
  SG_CHECK(defined(), "item: the tensor is undefined");
  SG_CHECK(numel() == 1, "item: expected one element, the shape is {}", shape_str(shape_));
  check_dtype(dtype_of<T>(), "item");
  return at<T>(std::vector<int64_t>(shape_.size(), 0));
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = contiguous();
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}

template float Tensor::item<float>() const;
template int32_t Tensor::item<int32_t>() const;
template int64_t Tensor::item<int64_t>() const;
template uint8_t Tensor::item<uint8_t>() const;
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

Tensor Tensor::with_layout(const char* op, Shape shape, Shape strides, int64_t offset) const {
  SG_CHECK(defined(), "{}: the tensor is undefined", op);
  Tensor t = *this;
  t.shape_ = std::move(shape);
  t.strides_ = std::move(strides);
  t.offset_ = offset;
  return t;
}

Tensor Tensor::view(Shape shape) const {
  SG_CHECK(defined(), "view: the tensor is undefined");
  shape = infer_shape(std::move(shape), numel(), shape_, "view");
  auto strides = strides_for_view(shape_, strides_, shape);
  SG_CHECK(strides.has_value(),
           "view: a tensor of shape {} and strides {} cannot be viewed as {} without a copy "
           "(use reshape)",
           shape_str(shape_), shape_str(strides_), shape_str(shape));
  return with_layout("view", std::move(shape), std::move(*strides), offset_);
}

Tensor Tensor::reshape(Shape shape) const {
  SG_CHECK(defined(), "reshape: the tensor is undefined");
  shape = infer_shape(std::move(shape), numel(), shape_, "reshape");
  if (auto strides = strides_for_view(shape_, strides_, shape))
    return with_layout("reshape", std::move(shape), std::move(*strides), offset_);
  return contiguous().view(std::move(shape));
}

Tensor Tensor::transpose(int64_t axis0, int64_t axis1) const {
  std::vector<int64_t> order(dim());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[normalize_axis(axis0, dim(), "transpose")],
            order[normalize_axis(axis1, dim(), "transpose")]);
  return permute(order);
}

Tensor Tensor::permute(const std::vector<int64_t>& order) const {
  SG_CHECK(static_cast<int64_t>(order.size()) == dim(),
           "permute: order [{}] does not match shape {}", fmt::join(order, ", "),
           shape_str(shape_));
  Shape shape(dim()), strides(dim());
  std::vector<bool> seen(dim(), false);
  for (int64_t d = 0; d < dim(); ++d) {
    int64_t src = normalize_axis(order[d], dim(), "permute");
    SG_CHECK(!seen[src], "permute: order [{}] repeats axis {}", fmt::join(order, ", "), src);
    seen[src] = true;
    shape[d] = shape_[src];
    strides[d] = strides_[src];
  }
  return with_layout("permute", std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::narrow(int64_t axis, int64_t start, int64_t length) const {
  // Checked here too so that a bad range is reported as narrow's (start, length), not slice's.
  const int64_t a = normalize_axis(axis, dim(), "narrow");
  SG_CHECK(start >= 0 && length >= 0 && start <= shape_[a] && length <= shape_[a] - start,
           "narrow: start {} and length {} are out of bounds for axis {} of shape {}", start,
           length, a, shape_str(shape_));
  return slice(a, start, start + length);
}

Tensor Tensor::slice(int64_t axis, int64_t start, int64_t end, int64_t step) const {
  axis = normalize_axis(axis, dim(), "slice");
  SG_CHECK(step >= 1, "slice: step must be positive, got {}", step);
  SG_CHECK(0 <= start && start <= end && end <= shape_[axis],
           "slice: range [{}, {}) is out of bounds for axis {} of shape {}", start, end, axis,
           shape_str(shape_));
  Shape shape = shape_, strides = strides_;
  shape[axis] = (end - start) / step + ((end - start) % step != 0);  // no overflow at large steps
  // With one element or none the stride is never used, and a huge step would overflow it.
  if (shape[axis] > 1) strides[axis] *= step;
  return with_layout("slice", std::move(shape), std::move(strides),
                     offset_ + start * strides_[axis]);
}

Tensor Tensor::select(int64_t axis, int64_t index) const {
  axis = normalize_axis(axis, dim(), "select");
  SG_CHECK(index >= -shape_[axis] && index < shape_[axis],
           "select: index {} is out of bounds for axis {} of shape {}", index, axis,
           shape_str(shape_));
  if (index < 0) index += shape_[axis];
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  return with_layout("select", std::move(shape), std::move(strides),
                     offset_ + index * strides_[axis]);
}

Tensor Tensor::unsqueeze(int64_t axis) const {
  axis = normalize_axis(axis, dim() + 1, "unsqueeze");
  Shape shape = shape_, strides = strides_;
  int64_t stride = axis < dim() ? strides_[axis] * shape_[axis] : 1;
  shape.insert(shape.begin() + axis, 1);
  strides.insert(strides.begin() + axis, stride);
  return with_layout("unsqueeze", std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::squeeze(int64_t axis) const {
  axis = normalize_axis(axis, dim(), "squeeze");
  SG_CHECK(shape_[axis] == 1, "squeeze: axis {} of shape {} has size {}, not 1", axis,
           shape_str(shape_), shape_[axis]);
  return select(axis, 0);
}

Tensor Tensor::squeeze() const {
  Shape shape, strides;
  for (int64_t d = 0; d < dim(); ++d) {
    if (shape_[d] == 1) continue;
    shape.push_back(shape_[d]);
    strides.push_back(strides_[d]);
  }
  return with_layout("squeeze", std::move(shape), std::move(strides), offset_);
}

Tensor Tensor::expand(const Shape& shape) const {
  SG_CHECK(shape.size() >= shape_.size(), "expand: cannot expand shape {} to fewer axes {}",
           shape_str(shape_), shape_str(shape));
  SG_CHECK(std::all_of(shape.begin(), shape.end(), [](int64_t s) { return s >= 0; }),
           "expand: negative size in {}", shape_str(shape));
  checked_numel(shape, "expand");
  const size_t lead = shape.size() - shape_.size();
  Shape strides(shape.size(), 0);
  for (size_t d = 0; d < shape_.size(); ++d) {
    SG_CHECK(shape_[d] == shape[lead + d] || shape_[d] == 1, "expand: cannot expand shape {} to {}",
             shape_str(shape_), shape_str(shape));
    strides[lead + d] = shape_[d] == 1 && shape[lead + d] != 1 ? 0 : strides_[d];
  }
  return with_layout("expand", shape, std::move(strides), offset_);
}

Tensor Tensor::contiguous() const {
  SG_CHECK(defined(), "contiguous: the tensor is undefined");
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  SG_CHECK(defined(), "clone: the tensor is undefined");
  Tensor out = empty(shape_, dtype_);
  copy_into(out, *this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  SG_CHECK(defined(), "to: the tensor is undefined");
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype);
  visit_dtype(dtype, [&](auto dst_tag) {
    using Dst = typename decltype(dst_tag)::type;
    visit_dtype(dtype_, [&](auto src_tag) {
      using Src = typename decltype(src_tag)::type;
      const Src* src = data<Src>();
      Dst* dst = out.data<Dst>();
      detail::for_each_run<2>(
          shape_, {out.strides(), strides_}, [&](const auto& off, int64_t n, const auto& st) {
            for (int64_t i = 0; i < n; ++i) {
              const Src value = src[off[1] + i * st[1]];
              SG_CHECK(convert_element(value, dst[off[0] + i * st[0]]),
                       "to: {} {} holds {}, which is not a {} value", dtype_name(dtype_),
                       shape_str(shape_), value, dtype_name(dtype));
            }
          });
    });
  });
  return out;
}

namespace {

// Strided copy of same-sized words; the word type only carries the element size.
template <class Word>
void copy_words(const Tensor& dst, const Tensor& from) {
  Word* out = reinterpret_cast<Word*>(dst.raw_data());
  const Word* in = reinterpret_cast<const Word*>(from.raw_data());
  detail::for_each_run<2>(dst.shape(), {dst.strides(), from.strides()},
                          [&](const auto& off, int64_t n, const auto& st) {
                            Word* o = out + off[0];
                            const Word* i = in + off[1];
                            if (st[0] == 1 && st[1] == 1) {
                              std::memcpy(o, i, n * sizeof(Word));
                              return;
                            }
                            for (int64_t k = 0; k < n; ++k) o[k * st[0]] = i[k * st[1]];
                          });
}

}  // namespace

Tensor contiguous_or_none(const Tensor& t) {
  return t.defined() ? t.contiguous() : Tensor();
}

std::string describe(const Tensor& t) {
  return t.defined() ? fmt::format("{} {}", dtype_name(t.dtype()), shape_str(t.shape()))
                     : "undefined";
}

bool repeats_elements(const Tensor& t) {
  for (int64_t axis = 0; axis < t.dim(); ++axis)
    if (t.size(axis) > 1 && t.strides()[static_cast<size_t>(axis)] == 0) return true;
  return false;
}

void check_writable(const Tensor& dst, const char* op) {
  SG_CHECK(!repeats_elements(dst),
           "{}: the destination {} repeats its elements (an expanded view); write into a tensor "
           "of its own",
           op, shape_str(dst.shape()));
}

namespace {

// The bytes a view can reach, [first, end) (empty for a tensor without elements).
std::pair<const std::byte*, const std::byte*> byte_extent(const Tensor& t) {
  int64_t low = 0, high = 0;  // in elements from the data pointer
  for (int64_t axis = 0; axis < t.dim(); ++axis) {
    if (t.size(axis) == 0) return {t.raw_data(), t.raw_data()};
    const int64_t reach = t.strides()[static_cast<size_t>(axis)] * (t.size(axis) - 1);
    (reach < 0 ? low : high) += reach;
  }
  const auto bytes = static_cast<int64_t>(dtype_size(t.dtype()));
  return {t.raw_data() + low * bytes, t.raw_data() + (high + 1) * bytes};
}

}  // namespace

Tensor readable_while_writing(const Tensor& dst, const Tensor& src) {
  if (!src.shares_storage_with(dst)) return src;
  const bool same_view = src.raw_data() == dst.raw_data() && src.strides() == dst.strides() &&
                         src.shape() == dst.shape();
  const auto [src_first, src_end] = byte_extent(src);
  const auto [dst_first, dst_end] = byte_extent(dst);
  const bool overlap = src_first < dst_end && dst_first < src_end;
  return overlap && !same_view ? src.clone() : src;
}

void copy_into(const Tensor& dst, const Tensor& src) {
  SG_CHECK(dst.defined() && src.defined(), "copy_into: undefined tensor");
  SG_CHECK(dst.dtype() == src.dtype(), "copy_into: dtype {} into {}", dtype_name(src.dtype()),
           dtype_name(dst.dtype()));
  check_writable(dst, "copy_into");
  const Tensor from = readable_while_writing(dst, src).expand(dst.shape());
  switch (dtype_size(dst.dtype())) {
    case 1: return copy_words<uint8_t>(dst, from);
    case 4: return copy_words<uint32_t>(dst, from);
    default: return copy_words<uint64_t>(dst, from);
  }
}

}  // namespace sg
