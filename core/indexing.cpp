#include "synthgrad/core/indexing.h"

#include <cstring>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/strided_loop.h"

namespace sg {

namespace {

// Ids as a contiguous i64 vector, each checked against [0, rows).
std::vector<int64_t> checked_ids(const Tensor& ids, int64_t rows, const char* op) {
  SG_CHECK(ids.defined() && (ids.dtype() == DType::i32 || ids.dtype() == DType::i64),
           "{}: ids must be an i32 or i64 tensor, got {}", op, describe(ids));
  std::vector<int64_t> out = ids.to(DType::i64).to_vector<int64_t>();
  for (size_t i = 0; i < out.size(); ++i)
    SG_CHECK(out[i] >= 0 && out[i] < rows, "{}: id {} at flat position {} is outside [0, {})", op,
             out[i], i, rows);
  return out;
}

void check_table(const Tensor& table, const char* op) {
  SG_CHECK(table.defined() && table.dtype() == DType::f32 && table.dim() == 2,
           "{}: expected an f32 table of shape [V, D], got shape {}", op,
           table.defined() ? shape_str(table.shape()) : "undefined");
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  check_table(weight, "embedding");
  const std::vector<int64_t> rows = checked_ids(ids, weight.size(0), "embedding");
  const int64_t d = weight.size(1);
  Shape shape = ids.shape();
  shape.push_back(d);
  Tensor out = Tensor::empty(shape);
  const Tensor w = weight.contiguous();
  const float* pw = w.data<float>();
  float* po = out.data<float>();
  parallel_for(0, static_cast<int64_t>(rows.size()),
               std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(d, 1)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t i = begin; i < end; ++i)
                   std::memcpy(po + i * d, pw + rows[i] * d, d * sizeof(float));
               });
  return out;
}

void index_add_rows_inplace(const Tensor& dst, const Tensor& ids, const Tensor& src) {
  check_table(dst, "index_add_rows_inplace");
  SG_CHECK(dst.is_contiguous(), "index_add_rows_inplace: destination must be contiguous");
  const std::vector<int64_t> rows = checked_ids(ids, dst.size(0), "index_add_rows_inplace");
  const int64_t d = dst.size(1);
  Shape expected = ids.shape();
  expected.push_back(d);
  SG_CHECK(src.defined() && src.dtype() == DType::f32 && src.shape() == expected,
           "index_add_rows_inplace: source has shape {}, expected {}",
           src.defined() ? shape_str(src.shape()) : "undefined", shape_str(expected));
  // Source row i is not added at row i: even the destination itself must be read as it was.
  const Tensor s = src.shares_storage_with(dst) ? src.clone() : src.contiguous();
  const float* ps = s.data<float>();
  float* pd = dst.data<float>();
  // Split over columns, not positions: each thread owns a column range, rows stay in order.
  parallel_for(0, d, std::max<int64_t>(64, kParallelGrain / std::max<int64_t>(1, rows.size())),
               [&](int64_t begin, int64_t end) {
                 for (size_t i = 0; i < rows.size(); ++i) {
                   float* out = pd + rows[i] * d;
                   const float* in = ps + static_cast<int64_t>(i) * d;
                   for (int64_t k = begin; k < end; ++k) out[k] += in[k];
                 }
               });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  SG_CHECK(cond.defined() && cond.dtype() == DType::b8,
           "where: condition must be a b8 tensor, got {}", describe(cond));
  SG_CHECK(a.defined() && b.defined() && a.dtype() == DType::f32 && b.dtype() == DType::f32,
           "where: values must be f32 tensors");
  const Shape shape =
      broadcast_shapes(cond.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where");
  const Tensor ec = cond.expand(shape), ea = a.expand(shape), eb = b.expand(shape);
  Tensor out = Tensor::empty(shape);
  float* po = out.data<float>();
  const uint8_t* pc = ec.data<uint8_t>();
  const float* pa = ea.data<float>();
  const float* pb = eb.data<float>();
  detail::for_each_run<4>(shape, {out.strides(), ec.strides(), ea.strides(), eb.strides()},
                          [&](const auto& off, int64_t n, const auto& st) {
                            for (int64_t i = 0; i < n; ++i)
                              po[off[0] + i * st[0]] = pc[off[1] + i * st[1]]
                                                           ? pa[off[2] + i * st[2]]
                                                           : pb[off[3] + i * st[3]];
                          });
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
  return where(mask, scalar(value), x);
}

Tensor concat(const std::vector<Tensor>& tensors, int64_t axis) {
  SG_CHECK(!tensors.empty(), "concat: no tensors given");
  const Tensor& first = tensors.front();
  SG_CHECK(first.defined(), "concat: tensor 0 is undefined");
  axis = normalize_axis(axis, first.dim(), "concat");
  Shape shape = first.shape();
  shape[axis] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    SG_CHECK(t.defined() && t.dtype() == first.dtype() && t.dim() == first.dim(),
             "concat: tensor {} differs in dtype or rank from tensor 0 (shape {})", i,
             shape_str(first.shape()));
    for (int64_t d = 0; d < t.dim(); ++d)
      SG_CHECK(d == axis || t.size(d) == first.size(d),
               "concat: tensor {} has shape {}, tensor 0 has shape {} (axis {})", i,
               shape_str(t.shape()), shape_str(first.shape()), axis);
    shape[axis] += t.size(axis);
  }
  Tensor out = Tensor::empty(shape, first.dtype());
  int64_t start = 0;
  for (const Tensor& t : tensors) {
    copy_into(out.narrow(axis, start, t.size(axis)), t);
    start += t.size(axis);
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis) {
  axis = normalize_axis(axis, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    SG_CHECK(s >= 0, "split: negative size {}", s);
    SG_CHECK(!__builtin_add_overflow(total, s, &total), "split: sizes [{}] add up past int64",
             fmt::join(sizes, ", "));
  }
  SG_CHECK(total == x.size(axis), "split: sizes [{}] add up to {}, axis {} of shape {} has {}",
           fmt::join(sizes, ", "), total, axis, shape_str(x.shape()), x.size(axis));
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(x.narrow(axis, start, s));
    start += s;
  }
  return out;
}

}  // namespace sg
