#include "synthgrad/core/blas.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "synthgrad/core/error.h"
#include "synthgrad/core/gemm_kernel.h"
#include "synthgrad/core/parallel.h"

namespace sg {

namespace {

// Multiply-adds below which a product is not split: a block this small costs about as much to
// hand to another thread as to compute.
constexpr int64_t kMinBlockWork = int64_t{1} << 19;
// Blocks per product: one per hardware thread (at least two, at most eight), because every block
// repacks the shared operand: on 2 cores, 2 blocks train cls-small 2.6% faster than 4. A constant
// of the machine, not of set_num_threads(), so that results never depend on the thread count.
int64_t max_blocks() {
  static const int64_t blocks =
      std::clamp<int64_t>(static_cast<int64_t>(std::thread::hardware_concurrency()), 2, 8);
  return blocks;
}
// Block edges on multiples of the micro-kernels' tile sizes.
constexpr int64_t kBlockAlign = 16;

void check_available(GemmBackend backend, const char* what) {
  SG_CHECK(backend == GemmBackend::openblas || detail::has_gemm_kernel(),
           "{}: this CPU has no AVX-512F, which synthgrad's GEMM kernel needs", what);
}

GemmBackend default_backend() {
  const char* env = std::getenv("SG_GEMM");
  if (env == nullptr)
    return detail::has_gemm_kernel() ? GemmBackend::avx512 : GemmBackend::openblas;
  const std::string_view name = env;
  SG_CHECK(name == "avx512" || name == "openblas",
           "SG_GEMM: expected 'avx512' or 'openblas', got '{}'", name);
  const GemmBackend backend = name == "avx512" ? GemmBackend::avx512 : GemmBackend::openblas;
  check_available(backend, "SG_GEMM=avx512");
  return backend;
}

std::atomic<GemmBackend>& backend_setting() {
  static std::atomic<GemmBackend> backend{default_backend()};
  return backend;
}

// Copies `row` into each of `rows` rows of C.
void fill_rows(float* c, int64_t rows, int64_t cols, int64_t ldc, const float* row) {
  for (int64_t r = 0; r < rows; ++r) std::copy_n(row, cols, c + r * ldc);
}

// One single-threaded product, plus a row bias on every row of C when given (beta = 0). The
// kernel adds the bias as it stores each tile; for OpenBLAS the bias is written into C first, by
// the block itself, so that it is still in this core's cache when the product adds to it.
void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                 int64_t ldc, const float* row_bias, GemmBackend backend) {
  if (backend == GemmBackend::avx512) {
    detail::gemm_kernel(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, row_bias);
    return;
  }
  if (row_bias) {
    fill_rows(c, m, n, ldc, row_bias);
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

// How one product is cut: `count` blocks of `size` rows of C (or columns when !rows). Splitting the
// longer side of C means the operand every block re-reads (B for rows, A for columns) is the
// smaller one.
struct Split {
  bool rows;
  int64_t size;
  int64_t count;
};

Split split_of(int64_t m, int64_t n, int64_t k) {
  const bool rows = m >= n;
  const int64_t side = rows ? m : n;
  const int64_t wanted = std::min({max_blocks(), m * n * k / kMinBlockWork, side / kBlockAlign});
  if (wanted <= 1) return {rows, side, 1};
  const int64_t size = (side + wanted - 1) / wanted;
  const int64_t aligned = (size + kBlockAlign - 1) / kBlockAlign * kBlockAlign;
  return {rows, aligned, (side + aligned - 1) / aligned};
}

}  // namespace

void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, std::span<const int64_t> a_offsets, const float* b,
                  int64_t ldb, std::span<const int64_t> b_offsets, float beta, float* c,
                  int64_t ldc, int64_t c_stride, const float* row_bias,
                  std::span<const int64_t> bias_offsets) {
  SG_CHECK(a_offsets.size() == b_offsets.size(), "gemm_batched: {} offsets for A, {} for B",
           a_offsets.size(), b_offsets.size());
  // Row-major: a leading dimension is at least the stored row's length (BLAS's own rule), else
  // rows overlap and the product is silently wrong, or the kernel reads before the matrix.
  SG_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m {} n {} k {}", m, n, k);
  SG_CHECK(lda >= std::max<int64_t>(1, trans_a ? m : k) &&
               ldb >= std::max<int64_t>(1, trans_b ? k : n) && ldc >= std::max<int64_t>(1, n),
           "gemm: leading dimensions lda {} ldb {} ldc {} are below the rows' lengths for m {} n "
           "{} k {} (trans_a {}, trans_b {})",
           lda, ldb, ldc, m, n, k, trans_a, trans_b);
  SG_CHECK(row_bias == nullptr || beta == 0.0f, "gemm_batched: a row bias needs beta = 0, got {}",
           beta);
  SG_CHECK(bias_offsets.empty() || bias_offsets.size() == a_offsets.size(),
           "gemm_batched: {} bias offsets for {} products", bias_offsets.size(), a_offsets.size());
  if (m == 0 || n == 0 || a_offsets.empty()) return;
  detail::ensure_thread_settings();  // OpenBLAS must be at one thread before the first call
  const GemmBackend backend = gemm_backend();
  const Split split = split_of(m, n, k);
  const int64_t tasks = static_cast<int64_t>(a_offsets.size()) * split.count;
  const int64_t block_work = std::max<int64_t>(1, m * n * k / split.count);
  parallel_for(
      0, tasks, std::max<int64_t>(1, kMinBlockWork / block_work), [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
          const int64_t i = task / split.count;
          const int64_t start = (task % split.count) * split.size;
          const float* pa = a + a_offsets[i];
          const float* pb = b + b_offsets[i];
          float* pc = c + i * c_stride;
          const float* bias =
              row_bias && !bias_offsets.empty() ? row_bias + bias_offsets[i] : row_bias;
          if (split.rows) {
            const int64_t rows = std::min(split.size, m - start);
            gemm_serial(trans_a, trans_b, rows, n, k, alpha, pa + (trans_a ? start : start * lda),
                        lda, pb, ldb, beta, pc + start * ldc, ldc, bias, backend);
          } else {
            const int64_t cols = std::min(split.size, n - start);
            gemm_serial(trans_a, trans_b, m, cols, k, alpha, pa, lda,
                        pb + (trans_b ? start * ldb : start), ldb, beta, pc + start, ldc,
                        bias ? bias + start : nullptr, backend);
          }
        }
      });
}

void gemm_on_this_thread(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                         const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                         float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  detail::ensure_thread_settings();
  gemm_serial(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nullptr,
              gemm_backend());
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
          const float* row_bias) {
  const int64_t zero = 0;
  gemm_batched(trans_a, trans_b, m, n, k, alpha, a, lda, {&zero, 1}, b, ldb, {&zero, 1}, beta, c,
               ldc, 0, row_bias);
}

void set_gemm_backend(GemmBackend backend) {
  check_available(backend, "set_gemm_backend");
  backend_setting().store(backend);
}

GemmBackend gemm_backend() {
  return backend_setting().load();
}

std::string gemm_backend_name(GemmBackend backend) {
  return backend == GemmBackend::avx512 ? "synthgrad AVX-512" : "OpenBLAS " + blas_core_name();
}

std::string gemm_backend_name() {
  return gemm_backend_name(gemm_backend());
}

std::string blas_core_name() {
  return openblas_get_corename();
}
std::string blas_config() {
  return openblas_get_config();
}

}  // namespace sg
