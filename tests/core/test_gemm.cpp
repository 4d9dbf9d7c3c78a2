// The GEMM door itself (core/blas.h), under each backend this CPU runs: synthgrad's AVX-512 kernel
// and OpenBLAS. Shapes are chosen around the kernel's tiles (8 x 32), its depth block (256), its
// row block (128) and its budget for packed B (with k = 20000 it packs 32 columns at a time).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "child_process.h"
#include "support/error_message.h"
#include "synthgrad/core/core.h"
#include "synthgrad/core/gemm_kernel.h"

using namespace sg;

namespace {

// Whether the CPU has AVX-512F, read from /proc/cpuinfo rather than asked the way the library
// asks, so that a wrong answer there (the kernel taken on a CPU without it, or never
// taken on one with it) fails these tests.
bool cpu_has_avx512() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("flags", 0) == 0) return line.find(" avx512f") != std::string::npos;
  return false;
}
const bool kCpuHasAvx512 = cpu_has_avx512();

std::vector<GemmBackend> available_backends() {
  if (kCpuHasAvx512) return {GemmBackend::avx512, GemmBackend::openblas};
  return {GemmBackend::openblas};
}

// A stored matrix with a padded leading dimension, filled with values in [-1, 1).
struct Stored {
  int64_t rows, cols, ld;
  std::vector<float> values;
  Stored(int64_t r, int64_t c, uint32_t seed) : rows(r), cols(c), ld(c + 3) {
    values.resize(static_cast<size_t>(std::max<int64_t>(1, r * ld)));
    uint32_t state = seed * 2654435761u + 1;
    for (float& v : values) {
      state = state * 1664525u + 1013904223u;
      v = static_cast<float>(state >> 8) / static_cast<float>(1 << 23) - 1.0f;
    }
  }
  float at(int64_t i, int64_t j) const { return values[static_cast<size_t>(i * ld + j)]; }
};

struct Case {
  bool trans_a, trans_b;
  int64_t m, n, k;
  float alpha, beta;
  bool row_bias = false;  // add a row of n values to every row of C (with beta = 0)
};

// C = alpha op(A) op(B) + beta C against a double-precision triple loop; with beta = 0, C starts
// as NaN, which must not leak into the result.
void check_gemm(const Case& t) {
  CAPTURE(t.trans_a);
  CAPTURE(t.trans_b);
  CAPTURE(t.m);
  CAPTURE(t.n);
  CAPTURE(t.k);
  CAPTURE(t.alpha);
  CAPTURE(t.beta);
  CAPTURE(t.row_bias);
  const Stored a(t.trans_a ? t.k : t.m, t.trans_a ? t.m : t.k, 1);
  const Stored b(t.trans_b ? t.n : t.k, t.trans_b ? t.k : t.n, 2);
  Stored c(t.m, t.n, 3);
  const Stored c0 = c;
  if (t.beta == 0.0f)
    for (int64_t i = 0; i < t.m; ++i) std::fill_n(c.values.begin() + i * c.ld, t.n, std::nanf(""));
  const Stored bias(1, t.n, 4);
  gemm(t.trans_a, t.trans_b, t.m, t.n, t.k, t.alpha, a.values.data(), a.ld, b.values.data(), b.ld,
       t.beta, c.values.data(), c.ld, t.row_bias ? bias.values.data() : nullptr);
  int64_t wrong = 0;
  for (int64_t i = 0; i < t.m; ++i)
    for (int64_t j = 0; j < t.n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < t.k; ++p)
        sum += double{t.trans_a ? a.at(p, i) : a.at(i, p)} * (t.trans_b ? b.at(j, p) : b.at(p, j));
      const double expected = t.alpha * sum + (t.beta == 0.0f ? 0.0 : t.beta * c0.at(i, j)) +
                              (t.row_bias ? bias.at(0, j) : 0.0);
      const double tolerance = 1e-5 * static_cast<double>(t.k) + 1e-5;
      if (!(std::abs(c.at(i, j) - expected) <= tolerance)) ++wrong;
    }
  CHECK(wrong == 0);
  // The padding between rows of C is never written.
  for (int64_t i = 0; i < t.m; ++i)
    for (int64_t j = t.n; j < c.ld && i * c.ld + j < static_cast<int64_t>(c.values.size()); ++j)
      CHECK(c.at(i, j) == c0.at(i, j));
}

}  // namespace

TEST_CASE("gemm, every backend: all transpositions across tile, block and depth edges") {
  const std::vector<std::vector<int64_t>> shapes = {
      {1, 1, 1},    {8, 32, 256},   {9, 31, 257},    {7, 33, 5},   {37, 65, 513},
      {130, 70, 9}, {257, 40, 300}, {40, 70, 20000}, {64, 64, 64}, {3, 1000, 2}};
  for (GemmBackend backend : available_backends()) {
    const ScopedGemmBackend scope(backend);
    CAPTURE(gemm_backend_name());
    for (const auto& s : shapes)
      for (int trans = 0; trans < 4; ++trans)
        check_gemm({(trans & 1) != 0, (trans & 2) != 0, s[0], s[1], s[2], 1.0f, 0.0f});
  }
}

TEST_CASE("gemm, every backend: alpha and beta, including beta = 1 across depth blocks") {
  for (GemmBackend backend : available_backends()) {
    const ScopedGemmBackend scope(backend);
    CAPTURE(gemm_backend_name());
    for (float alpha : {0.5f, -2.0f})
      for (float beta : {0.0f, 1.0f, -0.75f}) {
        check_gemm({false, true, 41, 47, 600, alpha, beta});
        check_gemm({true, false, 130, 33, 20, alpha, beta});
      }
  }
}

TEST_CASE("gemm, every backend: a row bias added to every row, across edges and depth blocks") {
  for (GemmBackend backend : available_backends()) {
    const ScopedGemmBackend scope(backend);
    CAPTURE(gemm_backend_name());
    for (const auto& s :
         std::vector<std::vector<int64_t>>{{9, 31, 7}, {130, 70, 300}, {3, 1000, 2}})
      for (int trans = 0; trans < 4; ++trans)
        check_gemm({(trans & 1) != 0, (trans & 2) != 0, s[0], s[1], s[2], 0.5f, 0.0f, true});
    check_gemm({false, false, 5, 6, 0, 1.0f, 0.0f, true});
  }
}

TEST_CASE("gemm, every backend: k = 0 scales C by beta, and empty products leave C alone") {
  for (GemmBackend backend : available_backends()) {
    const ScopedGemmBackend scope(backend);
    CAPTURE(gemm_backend_name());
    for (float beta : {0.0f, 1.0f, 3.0f}) check_gemm({false, false, 5, 6, 0, 1.0f, beta});
    std::vector<float> c = {1.0f, 2.0f};
    gemm(false, false, 0, 2, 4, 1.0f, nullptr, 4, nullptr, 2, 0.0f, c.data(), 2);
    gemm(false, false, 1, 0, 4, 1.0f, nullptr, 4, nullptr, 1, 0.0f, c.data(), 1);
    CHECK(c == std::vector<float>{1.0f, 2.0f});
  }
}

namespace {

// C = alpha op(A) B^T + (bias or beta C) with B stored [n, k], against the same product with B
// stored [k, n]: the kernel computes a product with few rows against a transposed B as C^T (B's
// rows read in place, tiles stored transposed), and a plain B never so; both must give the same
// bits. With `underflow`, every product is a negative number too small for a float: every
// element of C is -0, which a stray `+ 0.0f` would turn into +0.
void check_transposed_b_bits(bool trans_a, int64_t m, int64_t n, int64_t k, float alpha, float beta,
                             bool with_bias, bool underflow = false) {
  CAPTURE(trans_a);
  CAPTURE(m);
  CAPTURE(n);
  CAPTURE(k);
  CAPTURE(alpha);
  CAPTURE(beta);
  CAPTURE(with_bias);
  CAPTURE(underflow);
  Stored a(trans_a ? k : m, trans_a ? m : k, 5);
  Stored b(n, k, 6);
  if (underflow) {
    std::fill(a.values.begin(), a.values.end(), -1e-30f);
    std::fill(b.values.begin(), b.values.end(), 1e-30f);
  }
  std::vector<float> b_plain(static_cast<size_t>(k * n));
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) b_plain[static_cast<size_t>(p * n + j)] = b.at(j, p);
  const Stored bias(1, n, 7);
  Stored transposed(m, n, 8);
  Stored plain = transposed;
  const float* row_bias = with_bias ? bias.values.data() : nullptr;
  // The kernel itself, not gemm(), which would split the product among this machine's threads
  // and might hand the kernel blocks of fewer rows than the transposed path takes.
  REQUIRE(detail::has_gemm_kernel());
  detail::gemm_kernel(trans_a, true, m, n, k, alpha, a.values.data(), a.ld, b.values.data(), b.ld,
                      beta, transposed.values.data(), transposed.ld, row_bias);
  detail::gemm_kernel(trans_a, false, m, n, k, alpha, a.values.data(), a.ld, b_plain.data(), n,
                      beta, plain.values.data(), plain.ld, row_bias);
  // Bits, not values: -0 against +0 counts; padding between rows included (never written).
  CHECK(std::memcmp(transposed.values.data(), plain.values.data(),
                    transposed.values.size() * sizeof(float)) == 0);
  if (underflow)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) CHECK(std::signbit(transposed.at(i, j)));
}

}  // namespace

TEST_CASE("gemm, AVX-512 kernel: few rows against a transposed B give the bits of a plain B") {
  if (!kCpuHasAvx512) return;  // the other backend, OpenBLAS, promises no bits
  // Batch 1's shapes (64 rows against a layer's 768 or 1024), B with fewer rows than op(A) (a
  // thread's block of columns, a head of 1 or 7 classes: B's rows only an edge panel; exactly one
  // full panel), edges of every tile and block (n not a multiple of 8 or of the 128-row block, m
  // not of 32), several depth blocks.
  const std::vector<std::vector<int64_t>> shapes = {
      {64, 768, 256}, {64, 256, 1024}, {32, 9, 128},    {33, 135, 300},
      {100, 20, 300}, {128, 300, 600}, {128, 100, 256}, {40, 1000, 513},
      {32, 1, 256},   {64, 7, 300},    {128, 8, 128}};
  for (const auto& s : shapes)
    for (bool trans_a : {false, true}) {
      check_transposed_b_bits(trans_a, s[0], s[1], s[2], 1.0f, 0.0f, false);
      check_transposed_b_bits(trans_a, s[0], s[1], s[2], 1.0f, 0.0f, true);
      check_transposed_b_bits(trans_a, s[0], s[1], s[2], -0.5f, 1.0f, false);
      check_transposed_b_bits(trans_a, s[0], s[1], s[2], 2.0f, 0.25f, false);
      check_transposed_b_bits(trans_a, s[0], s[1], s[2], 0.3f, 0.0f, true);
      check_transposed_b_bits(trans_a, s[0], s[1], s[2], -0.7f, 1.0f, false);
      check_transposed_b_bits(trans_a, s[0], s[1], s[2], 1e-38f, 0.0f, false);  // subnormals
      check_transposed_b_bits(trans_a, s[0], s[1], s[2], 1.0f, 0.0f, false, true);
    }
}

TEST_CASE("gemm: the AVX-512 kernel is the default wherever the CPU has AVX-512F") {
  if (kCpuHasAvx512) {
    CHECK(gemm_backend() == GemmBackend::avx512);
    CHECK(gemm_backend_name() == "synthgrad AVX-512");
  } else {
    CHECK(gemm_backend() == GemmBackend::openblas);
    CHECK(testing::error_message([] {
            set_gemm_backend(GemmBackend::avx512);
          }).find("no AVX-512F") != std::string::npos);
  }
  const ScopedGemmBackend scope(GemmBackend::openblas);
  CHECK(gemm_backend_name().rfind("OpenBLAS ", 0) == 0);
}

namespace {

// Reads the backend with SG_GEMM set to argument 0: 0 when the error names the variable and the
// bad value, 1 when it does not, 2 when nothing was thrown.
int read_backend_from_environment(const std::vector<std::string>& args) {
  setenv("SG_GEMM", args.at(0).c_str(), 1);
  const std::string message = testing::error_message([] { gemm_backend(); });
  if (message == "<no sg::Error thrown>") return 2;
  return message.find("SG_GEMM") != std::string::npos &&
                 message.find(args.at(0)) != std::string::npos
             ? 0
             : 1;
}
SG_CHILD_ROUTINE("read_backend_from_environment", read_backend_from_environment);

}  // namespace

TEST_CASE("gemm: a bad SG_GEMM is an error naming the variable and the value") {
  CHECK(testing::run_child("read_backend_from_environment", {"mkl"}) == 0);
  CHECK(testing::run_child("read_backend_from_environment", {"openblas"}) == 2);
}

TEST_CASE("gemm refuses negative sizes and leading dimensions below the rows' lengths") {
  const std::vector<float> a{1, 2, 3, 4}, identity{1, 0, 0, 1};
  std::vector<float> c(4, 0.0f);
  // lda 1 for rows of 2: the rows overlapped and [1 2; 3 4] @ I came out as [1 2; 2 3].
  CHECK_THROWS_WITH_AS(
      sg::gemm(false, false, 2, 2, 2, 1.0f, a.data(), 1, identity.data(), 2, 0.0f, c.data(), 2),
      "gemm: leading dimensions lda 1 ldb 2 ldc 2 are below the rows' lengths for "
      "m 2 n 2 k 2 (trans_a false, trans_b false)",
      sg::Error);
  CHECK_THROWS_AS(sg::gemm(false, false, 2, 2, 2, 1.0f, a.data() + 2, -1000000, identity.data(), 2,
                           0.0f, c.data(), 2),
                  sg::Error);
  CHECK_THROWS_WITH_AS(
      sg::gemm(false, false, -1, 2, 2, 1.0f, a.data(), 2, identity.data(), 2, 0.0f, c.data(), 2),
      "gemm: negative size m -1 n 2 k 2", sg::Error);
  sg::gemm(true, false, 2, 2, 2, 1.0f, a.data(), 2, identity.data(), 2, 0.0f, c.data(), 2);
  CHECK(c == std::vector<float>{1, 3, 2, 4});
}
