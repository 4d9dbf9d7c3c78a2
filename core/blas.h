#pragma once
// The only door to GEMM: row-major single-precision products and a description of the code in use.
//
// Each single-threaded block runs synthgrad's own AVX-512 kernel (core/gemm_kernel.h) where the
// build has AVX-512, else OpenBLAS at one thread of its own. Large products are split here into
// blocks of rows (or of columns, when C is wider than tall) of C, and the blocks run on TBB's
// threads. So one pool serves every kernel and no two pools spin against each other
// for the cores. The blocks depend on the shape alone, never on the thread count, and each element
// of C is computed by one call, so results are bit-identical for every thread count.
#include <cstdint>
#include <span>
#include <string>

namespace sg {

// C = alpha * op(A) @ op(B) + beta * C with row-major storage; op transposes when trans_* is set.
// With a row bias (n floats, and beta = 0), C = alpha * op(A) @ op(B) + row_bias on every row.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
          const float* row_bias = nullptr);

// One product on the calling thread alone, with the backend in use: for kernels that already run
// one task per thread (fused attention) and multiply small blocks inside it.
void gemm_on_this_thread(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                         const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                         float* c, int64_t ldc);

// The same for a batch of products: product i reads A at a + a_offsets[i] and B at
// b + b_offsets[i] (in elements; a_offsets and b_offsets have one entry per product) and writes C
// at c + i * c_stride. Products and blocks of products all run in parallel. A row bias is added to
// every row of C; with bias_offsets, product i's row starts at row_bias + bias_offsets[i].
void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, std::span<const int64_t> a_offsets, const float* b,
                  int64_t ldb, std::span<const int64_t> b_offsets, float beta, float* c,
                  int64_t ldc, int64_t c_stride, const float* row_bias = nullptr,
                  std::span<const int64_t> bias_offsets = {});

// Which code multiplies: synthgrad's AVX-512 kernel (the default where the CPU has AVX-512F) or
// OpenBLAS. The default can be set with SG_GEMM=avx512 or SG_GEMM=openblas; the two differ in
// rounding only.
enum class GemmBackend { avx512, openblas };
void set_gemm_backend(GemmBackend backend);  // throws when the CPU lacks AVX-512F
GemmBackend gemm_backend();
std::string gemm_backend_name(GemmBackend backend);  // "synthgrad AVX-512" or "OpenBLAS <core>"
std::string gemm_backend_name();                     // of the backend in use

// Sets the backend for its lifetime and restores the previous one after, thrown exceptions
// included (benchmarks and tests that compare backends).
class ScopedGemmBackend {
 public:
  explicit ScopedGemmBackend(GemmBackend backend) : saved_(gemm_backend()) {
    set_gemm_backend(backend);
  }
  ScopedGemmBackend(const ScopedGemmBackend&) = delete;
  ScopedGemmBackend& operator=(const ScopedGemmBackend&) = delete;
  ~ScopedGemmBackend() { set_gemm_backend(saved_); }

 private:
  GemmBackend saved_;
};

std::string blas_core_name();  // e.g. "Haswell" or "SkylakeX"
std::string blas_config();     // build configuration string of the library

}  // namespace sg
