#include "synthgrad/core/gemm_kernel.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <new>

// Every function that may hold AVX-512 instructions carries this attribute, and all but the entry
// point have internal linkage: the rest of the library, and the standard library's templates
// instantiated here, are compiled for the build's target, so that a portable build runs on any
// x86-64 CPU and takes this kernel only where the CPU has AVX-512 (has_gemm_kernel()).
#define SG_AVX512 __attribute__((target("avx512f,avx2,fma")))

namespace sg::detail {

namespace {

constexpr int64_t kMR = 8;    // rows of a micro-tile of C
constexpr int64_t kNR = 32;   // columns of a micro-tile: two 16-float registers per row
constexpr int64_t kKC = 256;  // depth of a packed block: a kKC x kNR panel of B stays in L1
constexpr int64_t kMC = 128;  // rows of A packed at once: the kMC x kKC block stays in L2
constexpr int64_t kPackedB = int64_t{1} << 20;  // floats of B packed at once (4 MiB, in L3)

// Scratch for packed panels, one per thread, grown on demand and kept for the next product.
class PackBuffer {
 public:
  PackBuffer() = default;
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  ~PackBuffer() { std::free(data_); }

  float* get(int64_t floats) {
    if (floats > capacity_) {
      std::free(data_);
      const auto bytes = static_cast<size_t>((floats * 4 + 63) / 64 * 64);
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (data_ == nullptr) throw std::bad_alloc();
      capacity_ = floats;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  int64_t capacity_ = 0;
};

thread_local PackBuffer packed_a_buffer, packed_b_buffer;

// A matrix read through strides: element (i, j) is at data[i * row_stride + j * col_stride].
// Transposition is a swap of the strides, so packing serves all four op(A) x op(B) cases.
struct StridedMatrix {
  const float* data;
  int64_t row_stride;
  int64_t col_stride;
  StridedMatrix block(int64_t i, int64_t j) const {
    return {data + i * row_stride + j * col_stride, row_stride, col_stride};
  }
};

StridedMatrix operand(const float* data, int64_t ld, bool trans) {
  return trans ? StridedMatrix{data, 1, ld} : StridedMatrix{data, ld, 1};
}

// dst[0, kWidth) = scale * src[0, kWidth) in vector registers (as a plain loop, GCC turned the
// copy of a B row into a memmove call per 128 bytes).
template <int64_t kWidth>
SG_AVX512 void scaled_row(const float* src, float scale, float* dst) {
  static_assert(kWidth % 16 == 0 || kWidth == 8);
  if constexpr (kWidth == 8) {
    _mm256_storeu_ps(dst, _mm256_mul_ps(_mm256_set1_ps(scale), _mm256_loadu_ps(src)));
  } else {
    for (int64_t i = 0; i < kWidth; i += 16)
      _mm512_storeu_ps(dst + i, _mm512_mul_ps(_mm512_set1_ps(scale), _mm512_loadu_ps(src + i)));
  }
}

// dst[k * ld_dst + r] = scale * src[r * ld_src + k] for an 8 x 8 block: three rounds of
// shuffles in registers (packing a row-major A one float at a time cost 12% of a product with
// n = 256).
SG_AVX512 void transpose_8x8(const float* src, int64_t ld_src, float scale, float* dst,
                             int64_t ld_dst) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld_src);
  for (int i = 0; i < 8; i += 2) {  // interleave pairs of rows
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {  // gather 4-float columns within each 128-bit half
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  const __m256 factor = _mm256_set1_ps(scale);
  for (int i = 0; i < 4; ++i) {  // join the halves of rows 0-3 and 4-7
    _mm256_storeu_ps(dst + i * ld_dst,
                     _mm256_mul_ps(factor, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20)));
    _mm256_storeu_ps(dst + (i + 4) * ld_dst,
                     _mm256_mul_ps(factor, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31)));
  }
}

// One panel of `lanes` (rows of A or columns of B) by `depth`, element (lane, p) at
// src[lane * lane_stride + p * depth_stride], stored depth-major as dst[p * kWidth + lane] and
// scaled: the kWidth values the micro-kernel needs at one step of k are adjacent. Edge tiles run
// the same kernel; the lanes past `lanes` feed only the part of such a tile that is thrown away,
// and are zeros so that stale (possibly denormal or NaN) floats never slow it down.
template <int64_t kWidth>
SG_AVX512 void pack_panel(const float* src, int64_t lane_stride, int64_t depth_stride,
                          int64_t lanes, int64_t depth, float scale, float* __restrict dst) {
  if (lanes < kWidth) std::fill_n(dst, kWidth * depth, 0.0f);
  int64_t done = 0;  // depth already packed
  if (depth_stride == 1 && lanes == kWidth) {
    for (; done + 8 <= depth; done += 8)
      for (int64_t lane = 0; lane < kWidth; lane += 8)
        transpose_8x8(src + lane * lane_stride + done, lane_stride, scale,
                      dst + done * kWidth + lane, kWidth);
  }
  for (int64_t lane = 0; lane < lanes; ++lane)
    for (int64_t p = done; p < depth; ++p)
      dst[p * kWidth + lane] = scale * src[lane * lane_stride + p * depth_stride];
}

// All panels of `lanes` x `depth` (same addressing), panel after panel in dst. When the lanes are
// adjacent in memory, one step of k is read whole across the full panels: read panel by panel,
// the steps of k sat 4 KiB apart, all in one set of L1, and a transposed product ran 20% slower.
template <int64_t kWidth>
SG_AVX512 void pack(const float* src, int64_t lane_stride, int64_t depth_stride, int64_t lanes,
                    int64_t depth, float scale, float* dst) {
  const int64_t full = lane_stride == 1 ? lanes / kWidth * kWidth : 0;
  for (int64_t p = 0; p < depth; ++p)
    for (int64_t l0 = 0; l0 < full; l0 += kWidth)
      scaled_row<kWidth>(src + p * depth_stride + l0, scale, dst + l0 * depth + p * kWidth);
  for (int64_t l0 = full; l0 < lanes; l0 += kWidth)
    pack_panel<kWidth>(src + l0 * lane_stride, lane_stride, depth_stride,
                       std::min(kWidth, lanes - l0), depth, scale, dst + l0 * depth);
}

// Rows [0, rows) x depth [0, depth) of `a` into panels of kMR rows, scaled by alpha.
SG_AVX512 void pack_a(StridedMatrix a, int64_t rows, int64_t depth, float alpha, float* dst) {
  pack<kMR>(a.data, a.row_stride, a.col_stride, rows, depth, alpha, dst);
}

// Depth [0, depth) x columns [0, cols) of `b` into panels of kNR columns.
SG_AVX512 void pack_b(StridedMatrix b, int64_t depth, int64_t cols, float* dst) {
  pack<kNR>(b.data, b.col_stride, b.row_stride, cols, depth, 1.0f, dst);
}

// What a tile adds to its products as it stores them: C's old values (row_stride = ldc), a bias
// row repeated on every row (row_stride = 0: no pass over C to write the bias first), or nothing.
struct Addend {
  const float* data = nullptr;
  int64_t row_stride = 0;
  Addend at(int64_t i, int64_t j) const {
    return data ? Addend{data + i * row_stride + j, row_stride} : Addend{};
  }
};

// One kMR x kNR tile: c = A rows @ b_panel over `depth` steps + addend. The 16 accumulators stay
// in registers for the whole depth. The A rows are a packed panel (row i of step p at
// a[p * kMR + i]) or, kRowsInPlace, rows of a row-major matrix read where they are
// (a[i * lda + p]): the broadcasts load one float per row either way.
template <bool kRowsInPlace>
SG_AVX512 void micro_kernel(int64_t depth, const float* __restrict a, int64_t lda,
                            const float* __restrict b, float* c, int64_t ldc, Addend add) {
  if (add.data)  // read after the loop; fetched meanwhile
    for (int64_t i = 0; i < kMR; ++i) {
      _mm_prefetch(reinterpret_cast<const char*>(add.data + i * add.row_stride), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(add.data + i * add.row_stride + 16), _MM_HINT_T0);
    }
  constexpr int64_t kStep = kRowsInPlace ? 1 : kMR;
  __m512 left[kMR], right[kMR];
#pragma GCC unroll 16
  for (int64_t i = 0; i < kMR; ++i) left[i] = right[i] = _mm512_setzero_ps();
  for (int64_t p = 0; p < depth; ++p, a += kStep, b += kNR) {
    if (kRowsInPlace && p % 16 == 0)  // eight rows of a matrix are eight streams for the prefetcher
      for (int64_t i = 0; i < kMR; ++i)
        _mm_prefetch(reinterpret_cast<const char*>(a + i * lda + 64), _MM_HINT_T0);
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 16
    for (int64_t i = 0; i < kMR; ++i) {
      const __m512 ai = _mm512_set1_ps(kRowsInPlace ? a[i * lda] : a[i]);
      left[i] = _mm512_fmadd_ps(ai, b0, left[i]);
      right[i] = _mm512_fmadd_ps(ai, b1, right[i]);
    }
  }
#pragma GCC unroll 16
  for (int64_t i = 0; i < kMR; ++i, c += ldc) {
    if (add.data) {
      const float* row = add.data + i * add.row_stride;
      left[i] = _mm512_add_ps(left[i], _mm512_loadu_ps(row));
      right[i] = _mm512_add_ps(right[i], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(c, left[i]);
    _mm512_storeu_ps(c + 16, right[i]);
  }
}

// A tile cut by the edge of C: computed whole into a scratch tile, and only its valid part stored.
SG_AVX512 void edge_tile(int64_t depth, const float* a, const float* b, float* c, int64_t ldc,
                         int64_t rows, int64_t cols, Addend add) {
  alignas(64) float tile[kMR * kNR];
  micro_kernel<false>(depth, a, 0, b, tile, kNR, {});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)  // no addend, no `+ 0.0f`: that would turn -0 into +0
      c[i * ldc + j] =
          add.data ? tile[i * kNR + j] + add.data[i * add.row_stride + j] : tile[i * kNR + j];
}

// C[rows x cols] = packed A block @ packed B block of one depth + add.
SG_AVX512 void multiply_packed(const float* pa, const float* pb, int64_t rows, int64_t cols,
                               int64_t depth, float* c, int64_t ldc, Addend add) {
  for (int64_t j0 = 0; j0 < cols; j0 += kNR) {
    const float* b_panel = pb + j0 * depth;
    const int64_t tile_cols = std::min(kNR, cols - j0);
    for (int64_t i0 = 0; i0 < rows; i0 += kMR) {
      const float* a_panel = pa + i0 * depth;
      const int64_t tile_rows = std::min(kMR, rows - i0);
      float* tile = c + i0 * ldc + j0;
      if (tile_rows == kMR && tile_cols == kNR)
        micro_kernel<false>(depth, a_panel, 0, b_panel, tile, ldc, add.at(i0, j0));
      else
        edge_tile(depth, a_panel, b_panel, tile, ldc, tile_rows, tile_cols, add.at(i0, j0));
    }
  }
}

int64_t round_up(int64_t x, int64_t to) {
  return (x + to - 1) / to * to;
}

// A tile of C^T (kMR columns of C by kNR rows of C, row stride kNR) stored into the `rows` x
// `cols` corner of C at c, each element plus its addend (in C's coordinates).
SG_AVX512 void store_transposed(const float* tile, int64_t rows, int64_t cols, float* c,
                                int64_t ldc, Addend add) {
  static_assert(kMR == 8, "a tile's columns of C are one 8 x 8 transpose wide");
  alignas(32) float t[kNR * kMR];  // t[r * kMR + j] = tile[j * kNR + r]
  for (int64_t r0 = 0; r0 < kNR; r0 += 8) transpose_8x8(tile + r0, kNR, 1.0f, t + r0 * kMR, kMR);
  for (int64_t r = 0; r < rows; ++r) {
    const float* from = t + r * kMR;
    const float* extra = add.data ? add.data + r * add.row_stride : nullptr;
    float* to = c + r * ldc;
    if (cols == kMR) {
      const __m256 v = _mm256_load_ps(from);
      _mm256_storeu_ps(to, extra ? _mm256_add_ps(v, _mm256_loadu_ps(extra)) : v);
    } else {
      for (int64_t j = 0; j < cols; ++j) to[j] = extra ? from[j] + extra[j] : from[j];
    }
  }
}

// C = alpha op(A) B^T + add when op(A) has 32 to 128 rows (a layer's weights at batch 1, x W^T):
// the usual path would pack, that is transpose, all of B for those few rows. Here C^T =
// B (alpha op(A))^T: B's rows are the micro-kernel's A rows, read in place, op(A) is packed as
// its B panels, and each tile is stored transposed. Every element of C sums the same products in
// the same order as on the usual path (fma(a, b, s) is fma(b, a, s), NaN payloads aside): the same
// bits.
SG_AVX512 void gemm_transposed(int64_t m, int64_t n, int64_t k, float alpha, StridedMatrix op_a,
                               const float* b, int64_t ldb, float* c, int64_t ldc, Addend first) {
  const int64_t panel_floats = round_up(m, kNR);
  float* pb = packed_b_buffer.get(panel_floats * k);
  for (int64_t p0 = 0; p0 < k; p0 += kKC)  // op(A)'s rows as lanes, its columns as depth
    pack<kNR>(op_a.data + p0 * op_a.col_stride, op_a.row_stride, op_a.col_stride, m,
              std::min(kKC, k - p0), alpha, pb + p0 * panel_floats);
  // B's last rows when n is not a multiple of kMR, packed and padded to a full panel.
  const int64_t full_rows = n / kMR * kMR;
  float* edge = packed_a_buffer.get(kMR * kKC);
  alignas(64) float tile[kMR * kNR];
  for (int64_t i0 = 0; i0 < n; i0 += kMC)  // a block of B's rows, kept in L2 over the panels
    for (int64_t p0 = 0; p0 < k; p0 += kKC) {
      const int64_t depth = std::min(kKC, k - p0);
      const Addend add = p0 == 0 ? first : Addend{c, ldc};
      const int64_t block_end = std::min(n, i0 + kMC);
      if (block_end > full_rows)
        pack_a({b + full_rows * ldb + p0, ldb, 1}, n - full_rows, depth, 1.0f, edge);
      for (int64_t j0 = 0; j0 < m; j0 += kNR) {
        const float* panel = pb + p0 * panel_floats + j0 * depth;
        for (int64_t i = i0; i < block_end; i += kMR) {
          const int64_t cols = std::min(kMR, n - i);
          if (cols == kMR)
            micro_kernel<true>(depth, b + i * ldb + p0, ldb, panel, tile, kNR, {});
          else
            micro_kernel<false>(depth, edge, 0, panel, tile, kNR, {});
          store_transposed(tile, std::min(kNR, m - j0), cols, c + j0 * ldc + i, ldc, add.at(j0, i));
        }
      }
    }
}

void scale(float* c, int64_t m, int64_t n, int64_t ldc, float beta) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
}

}  // namespace

bool has_gemm_kernel() {
  // libgcc's check includes the operating system's support for the 512-bit register state.
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

SG_AVX512 void gemm_kernel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                           const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                           float* c, int64_t ldc, const float* row_bias) {
  if (m == 0 || n == 0) return;
  if (k == 0 || (beta != 0.0f && beta != 1.0f)) scale(c, m, n, ldc, beta);
  if (k == 0) {
    if (row_bias)
      for (int64_t i = 0; i < m; ++i) std::copy_n(row_bias, n, c + i * ldc);
    return;
  }
  // The first depth block adds the bias row or C's old value (beta = 1 or pre-scaled); the
  // others add what the blocks before them left in C.
  const Addend first = row_bias ? Addend{row_bias, 0} : beta != 0.0f ? Addend{c, ldc} : Addend{};
  const StridedMatrix op_a = operand(a, lda, trans_a), op_b = operand(b, ldb, trans_b);
  // A block of 32 to 128 rows against a transposed B, deep enough that the transposed stores are
  // a small part of each tile's work (products as shallow as attention's 64-wide heads stay on the
  // usual path). Medians on an Intel Xeon, one thread, B from L3: 32 x 256 x 256 ran 1.2x faster
  // so, as many rows as B or more 1.0-1.07x (128 x 128 x 256, 64 x 32 x 256); below 32 rows op(A)
  // fills a fraction of a tile's lanes and the usual path was faster (8 x 256 x 256: 1.6x).
  if (trans_b && m >= kNR && m <= kMC && k >= kKC / 2 && round_up(m, kNR) * k <= kPackedB) {
    gemm_transposed(m, n, k, alpha, op_a, b, ldb, c, ldc, first);
    return;
  }
  // All of B's depth is packed for a block of columns, so that a block of kMC rows of C takes
  // every depth block while it is in L2 (with depth blocks outermost, a 2048 x 256 C left L2
  // between them: a product with k = 1024 ran 20% slower than one with k = 256).
  const int64_t block_cols = std::min(n, std::max(kNR, kPackedB / k / kNR * kNR));
  const int64_t panel_floats = round_up(block_cols, kNR);
  float* pa = packed_a_buffer.get(kMC * kKC);
  float* pb = packed_b_buffer.get(panel_floats * k);
  for (int64_t j0 = 0; j0 < n; j0 += block_cols) {
    const int64_t cols = std::min(block_cols, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kKC)
      pack_b(op_b.block(p0, j0), std::min(kKC, k - p0), cols, pb + p0 * panel_floats);
    for (int64_t i0 = 0; i0 < m; i0 += kMC) {
      const int64_t rows = std::min(kMC, m - i0);
      for (int64_t p0 = 0; p0 < k; p0 += kKC) {
        const int64_t depth = std::min(kKC, k - p0);
        pack_a(op_a.block(i0, p0), rows, depth, alpha, pa);
        const Addend add = p0 == 0 ? first.at(i0, j0) : Addend{c, ldc}.at(i0, j0);
        multiply_packed(pa, pb + p0 * panel_floats, rows, cols, depth, c + i0 * ldc + j0, ldc, add);
      }
    }
  }
}

}  // namespace sg::detail

#else  // not x86-64: core/blas.cpp calls OpenBLAS

#include <cstdlib>

namespace sg::detail {

bool has_gemm_kernel() {
  return false;
}

void gemm_kernel(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                 int64_t, float, float*, int64_t, const float*) {
  std::abort();
}

}  // namespace sg::detail

#endif
