#pragma once
// synthgrad's own single-threaded SGEMM for CPUs with AVX-512, the kernel behind core/blas.h on
// such machines. OpenBLAS picks its kernels by CPU model or by OPENBLAS_CORETYPE, and a CPU it does
// not know (or a forced Haswell setting) leaves it on 256-bit AVX2 at half the 512-bit rate; this
// kernel is compiled for AVX-512 whatever the build's target and taken where the CPU runs it.
//
// Goto's scheme, as in BLIS: B is packed into panels of kNR columns, A into panels of kMR rows
// (alpha applied while packing), and a register-blocked kMR x kNR micro-kernel runs over them.
// Every element of C sums its products in ascending k, in blocks of kKC, so results depend on the
// shape alone. A product of 32 to 128 rows against a transposed B (x W^T at batch 1) runs as
// C^T = B x^T with B's rows read in place: the same sums in the same order, without transposing W.
#include <cstdint>

namespace sg::detail {

// True when this CPU and its operating system run AVX-512F instructions.
bool has_gemm_kernel();

// C = alpha * op(A) @ op(B) + beta * C, row-major, op transposes when trans_* is set. With
// beta = 0, C is not read. With a row bias (n floats; beta must be 0) the bias is added to every
// row as the tiles are stored. Requires has_gemm_kernel().
void gemm_kernel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                 int64_t ldc, const float* row_bias = nullptr);

}  // namespace sg::detail
