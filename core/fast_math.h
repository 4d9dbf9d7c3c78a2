#pragma once
// Branch-free float exp and erf for the element-wise kernels. libm's expf and erff are calls the
// compiler cannot vectorise; these are plain arithmetic and selects, which it turns into SIMD
// loops; they are forced inline because a kernel with several specialised loops (map_binary) can
// exceed the compiler's inlining budget, and a call left in a loop stops its vectorisation.
// Accuracy, checked against libm by tests/core/test_fast_math.cpp: exp within a few ulp
// over the whole float range, erf within 1e-7 absolute (2e-7 in a build without FMA). NaN in gives
// NaN out; infinities give the limits.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

namespace sg {

namespace detail {

// a * b + c in one rounding where the CPU has FMA (the project builds with -march=native);
// without it std::fma is a slow library call, so fall back to two roundings.
inline float fmadd(float a, float b, float c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

}  // namespace detail

// exp(x) = 2^n exp(r) with n = round(x / ln 2) and |r| <= ln(2) / 2. exp(r) is a polynomial
// (a near-minimax fit, relative error 4e-9); 2^n is written straight into the exponent bits.
[[gnu::always_inline]] inline float fast_exp(float x) {
  using detail::fmadd;
  // Outside [-104, 89] exp(x) rounds to 0 or overflows anyway; clamping keeps n in range. The
  // comparisons are false for NaN, which becomes -104 here and is restored at the end.
  const float xc = x > -104.0f ? (x < 89.0f ? x : 89.0f) : -104.0f;
  // Adding 1.5 * 2^23 rounds to an integer, which then sits in the low bits of the mantissa.
  constexpr float kRound = 12582912.0f;
  const float shifted = fmadd(xc, 1.44269504f, kRound);
  const float n = shifted - kRound;
  const int32_t ni = std::bit_cast<int32_t>(shifted) - std::bit_cast<int32_t>(kRound);
  // r = x - n ln 2 with ln 2 in two parts, the first exact in float (Cody and Waite), so that n ln
  // 2 loses nothing for n up to 150.
  float r = fmadd(n, -0.693359375f, xc);
  r = fmadd(n, 2.12194440e-4f, r);
  float q = 1.39504764e-3f;
  q = fmadd(q, r, 8.36888235e-3f);
  q = fmadd(q, r, 4.16662060e-2f);
  q = fmadd(q, r, 1.66665182e-1f);
  q = fmadd(q, r, 0.5f);
  const float p = fmadd(q, r * r, r) + 1.0f;
  // 2^n in two factors: n reaches -150, below the smallest normal exponent, and results down
  // there are subnormal rather than 0. Each factor is a normal number.
  const int32_t n1 = ni >> 1;
  const float scale1 = std::bit_cast<float>((n1 + 127) << 23);
  const float scale2 = std::bit_cast<float>((ni - n1 + 127) << 23);
  const float result = p * scale1 * scale2;
  return x != x ? x : result;
}

namespace detail {

// erf(x) given e = exp(-b^2) for b = clamp(|x|, 1, 4); e is not read when |x| <= 1, and any e
// below exp(-16) does when |x| > 4 (erf is 1 in float there): so callers that need exp(-x^2)
// anyway (the GELU derivative) pass theirs.
[[gnu::always_inline]] inline float erf_given_exp(float x, float e) {
  const float a = std::fabs(x);  // erf is odd: the sign goes back on at the end
  const float s = a * a;
  float p = 7.89868645e-5f;
  p = fmadd(p, s, -8.02481605e-4f);
  p = fmadd(p, s, 5.19016199e-3f);
  p = fmadd(p, s, -2.68549155e-2f);
  p = fmadd(p, s, 1.12836175e-1f);
  p = fmadd(p, s, -3.76126289e-1f);
  // The leading coefficient 2 / sqrt(pi) in two parts, the first exact in float: it carries most
  // of the value, and rounding it alone would cost 1e-7.
  const float small = fmadd(a, 1.12837923e+0f, a * fmadd(p, s, -5.86353828e-8f));

  const float b = a > 1.0f ? (a < 4.0f ? a : 4.0f) : 1.0f;
  const float u = 1.0f / b - 0.625f;
  float h = -2.34850179e-2f;
  h = fmadd(h, u, 3.06497682e-2f);
  h = fmadd(h, u, -1.97983719e-2f);
  h = fmadd(h, u, -6.36577234e-3f);
  h = fmadd(h, u, 5.83288558e-2f);
  h = fmadd(h, u, -1.45028695e-1f);
  h = fmadd(h, u, 2.74537712e-1f);
  h = fmadd(h, u, 5.44880271e-1f);
  h = fmadd(h, u, 1.91220611e-1f);
  const float big = 1.0f - e * b * h;

  const float result = std::copysign(a <= 1.0f ? small : big, x);
  return x != x ? x : result;
}

}  // namespace detail

// erf(x). For |x| <= 1, x P(x^2) (relative error 1.3e-9). Above, erf(x) = 1 - erfc(x) with
// erfc(x) = exp(-x^2) x H(1/x), since erfc(x) exp(x^2) x is smooth in 1/x (relative error 2.5e-8);
// at |x| = 4 erfc is below half an ulp of 1, so larger inputs are clamped there.
[[gnu::always_inline]] inline float fast_erf(float x) {
  const float a = std::fabs(x);
  const float b = a > 1.0f ? (a < 4.0f ? a : 4.0f) : 1.0f;
  return detail::erf_given_exp(x, fast_exp(-b * b));
}

// GELU, x Phi(x) = x (1 + erf(x / sqrt(2))) / 2: the exact form, as PyTorch's default.
[[gnu::always_inline]] inline float fast_gelu(float x) {
  return 0.5f * x * (1.0f + fast_erf(x * static_cast<float>(std::numbers::sqrt2 / 2)));
}

// d/dx of GELU, x Phi(x): Phi(x) + x phi(x). Both terms use exp(-x^2 / 2), computed once.
[[gnu::always_inline]] inline float fast_gelu_derivative(float x) {
  constexpr float kHalfSqrt2 = 0.707106781f;  // 1 / sqrt(2)
  constexpr float kPdfScale = 0.398942280f;   // 1 / sqrt(2 pi)
  const float z = x * kHalfSqrt2;
  const float e = fast_exp(-z * z);
  // Beyond |x| = 20, e is 0: clamping x there keeps inf * 0 from making NaN.
  const float xc = x < -20.0f ? -20.0f : (x > 20.0f ? 20.0f : x);
  return 0.5f * (1.0f + detail::erf_given_exp(z, e)) + xc * e * kPdfScale;
}

}  // namespace sg
