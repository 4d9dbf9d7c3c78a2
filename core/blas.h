#pragma once
// The only door to BLAS: row-major single-precision GEMM and a description of the library in use.
#include <cstdint>
#include <string>

namespace sg {

// C = alpha * op(A) @ op(B) + beta * C with row-major storage; op transposes when trans_* is set.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

std::string blas_core_name();  // e.g. "Haswell" or "SkylakeX"
std::string blas_config();     // build configuration string of the library

}  // namespace sg
