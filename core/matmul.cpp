#include "synthgrad/core/matmul.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "synthgrad/core/blas.h"

namespace sg {

namespace {

// How BLAS reads one rows x cols matrix with strides (sr, sc): as stored, or as the transpose of a
// row-major matrix. Nothing when the strides fit neither (a copy is needed).
struct BlasLayout {
  bool trans;
  int64_t ld;
};

std::optional<BlasLayout> blas_layout(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  if ((cols == 1 || sc == 1) && (rows == 1 || sr >= std::max<int64_t>(1, cols)))
    return BlasLayout{false, rows == 1 ? std::max<int64_t>(1, cols) : sr};
  if ((rows == 1 || sr == 1) && (cols == 1 || sc >= std::max<int64_t>(1, rows)))
    return BlasLayout{true, cols == 1 ? std::max<int64_t>(1, rows) : sc};
  return std::nullopt;
}

std::optional<BlasLayout> blas_layout(const Tensor& m) {
  return blas_layout(m.size(-2), m.size(-1), m.strides()[m.dim() - 2], m.strides()[m.dim() - 1]);
}

// The operand broadcast to batch + its matrix shape, copied first only when BLAS cannot read it.
std::pair<Tensor, BlasLayout> blas_operand(const Tensor& t, Shape shape) {
  if (auto layout = blas_layout(t)) return {t.expand(shape), *layout};
  Tensor c = t.contiguous();
  return {c.expand(shape), *blas_layout(c)};
}

// True when the batch axes and the row axis of `t`, whose rows BLAS reads `ld` apart, walk memory
// as one longer row axis. `ld` rather than the row stride: for a single row the two may differ.
bool rows_fold_into_batch(const Tensor& t, int64_t ld) {
  int64_t expected = ld * t.size(-2);
  for (int64_t d = t.dim() - 3; d >= 0; --d) {
    if (t.size(d) == 1) continue;
    if (t.strides()[d] != expected) return false;
    expected *= t.size(d);
  }
  return true;
}

bool batch_is_broadcast(const Tensor& t) {
  for (int64_t d = 0; d < t.dim() - 2; ++d)
    if (t.size(d) != 1 && t.strides()[d] != 0) return false;
  return true;
}

// Offsets (in elements) of each product's matrix in `t`, whose leading axes are the batch axes.
std::vector<int64_t> batch_offsets(const Tensor& t, const Shape& batch) {
  std::vector<int64_t> offsets(static_cast<size_t>(numel_of(batch)));
  for (size_t i = 0; i < offsets.size(); ++i) {
    int64_t rest = static_cast<int64_t>(i);
    for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
      offsets[i] += rest % batch[d] * t.strides()[d];
      rest /= batch[d];
    }
  }
  return offsets;
}

// A bias that is the same for every row of each product (a linear layer's [n], the per-head
// [H, 1, n] of dense synthetic logits), expanded to the product's shape with unit-stride rows:
// each GEMM block then writes it just before adding to it (beta = 1), while that block of C is in
// cache. Undefined for any other bias, which is copied into the whole of C first.
// A bias broadcast along its last axis (a value per row) is not a row: it takes the copy too.
Tensor repeated_rows(const Tensor& bias, const Shape& out_shape) {
  const int64_t m = out_shape[out_shape.size() - 2], n = out_shape.back();
  if (m != 1 && bias.dim() >= 2 && bias.size(-2) != 1) return {};
  if (n != 1 && (bias.dim() == 0 || bias.size(-1) != n)) return {};
  return bias.contiguous().expand(out_shape);
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  return matmul(a, b, 1.0f);
}

Tensor matmul(const Tensor& a, const Tensor& b, float alpha, const Tensor& bias) {
  SG_CHECK(a.defined() && b.defined() && a.dtype() == DType::f32 && b.dtype() == DType::f32,
           "matmul: expected two f32 tensors, got {} and {}", describe(a), describe(b));
  SG_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul: operands need rank >= 2, got shapes {} and {}",
           shape_str(a.shape()), shape_str(b.shape()));
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  SG_CHECK(b.size(-2) == k, "matmul: inner dimensions differ: shapes {} and {}",
           shape_str(a.shape()), shape_str(b.shape()));
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  // Checked here so that the message shows the whole shapes, not only their batch parts.
  SG_CHECK(broadcastable(batch_a, batch_b),
           "matmul: the batch dimensions of shapes {} and {} cannot be broadcast",
           shape_str(a.shape()), shape_str(b.shape()));
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  Shape a_shape = batch, b_shape = batch, out_shape = batch;
  a_shape.insert(a_shape.end(), {m, k});
  b_shape.insert(b_shape.end(), {k, n});
  out_shape.insert(out_shape.end(), {m, n});
  Tensor out = Tensor::empty(out_shape);
  float beta = 0.0f;
  Tensor bias_rows;
  if (bias.defined()) {
    SG_CHECK(bias.dtype() == DType::f32 &&
                 broadcast_shapes(out_shape, bias.shape(), "matmul") == out_shape,
             "matmul: bias of shape {} does not broadcast to the product's shape {}",
             shape_str(bias.shape()), shape_str(out_shape));
    bias_rows = k > 0 ? repeated_rows(bias, out_shape) : Tensor();
    if (!bias_rows.defined()) {
      copy_into(out, bias);
      beta = 1.0f;
    }
  }
  if (out.numel() == 0) return out;
  if (k == 0) {
    if (!bias.defined()) std::fill_n(out.data<float>(), out.numel(), 0.0f);
    return out;
  }
  const float* bias_data = bias_rows.defined() ? bias_rows.data<float>() : nullptr;
  auto [ea, la] = blas_operand(a, a_shape);
  auto [eb, lb] = blas_operand(b, b_shape);
  const int64_t batches = numel_of(batch);
  if (batches > 1 && !la.trans && batch_is_broadcast(eb) && rows_fold_into_batch(ea, la.ld) &&
      (!bias_rows.defined() || batch_is_broadcast(bias_rows))) {
    gemm(false, lb.trans, batches * m, n, k, alpha, ea.data<float>(), la.ld, eb.data<float>(),
         lb.ld, beta, out.data<float>(), n, bias_data);
    return out;
  }
  const auto a_offsets = batch_offsets(ea, batch), b_offsets = batch_offsets(eb, batch);
  const auto bias_offsets =
      bias_rows.defined() ? batch_offsets(bias_rows, batch) : std::vector<int64_t>();
  gemm_batched(la.trans, lb.trans, m, n, k, alpha, ea.data<float>(), la.ld, a_offsets,
               eb.data<float>(), lb.ld, b_offsets, beta, out.data<float>(), n, m * n, bias_data,
               bias_offsets);
  return out;
}

}  // namespace sg
