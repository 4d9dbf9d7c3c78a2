#pragma once
// Sums written for SIMD. One running total is a chain of dependent additions that the compiler
// may not reorder (the project does not build with -ffast-math), so it stays scalar and waits on
// each addition's latency. lane_sum keeps kSumLanes independent partial sums instead, which the
// compiler turns into one vector register, and adds them up in a fixed order at the end: the
// order depends on n alone, so the same inputs always give the same bits.
#include <algorithm>
#include <cstdint>
#include <limits>

namespace sg {

inline constexpr int kSumLanes = 16;

// The sum of term(j) for j in [0, n): partial sums in lanes of Accumulator (float, or double where
// a term could overflow float), finished in double.
template <class Accumulator = float, class Term>
[[gnu::always_inline]] inline double lane_sum(int64_t n, const Term& term) {
  Accumulator lanes[kSumLanes] = {};
  int64_t j = 0;
  for (; j + kSumLanes <= n; j += kSumLanes)
    for (int l = 0; l < kSumLanes; ++l) lanes[l] += term(j + l);
  double total = 0.0;
  for (; j < n; ++j) total += term(j);
  for (Accumulator lane : lanes) total += lane;
  return total;
}

// The largest of x[0, n), -inf for none, in lanes as above (max is exact: the lanes change nothing
// but speed). NaN is passed over: std::max keeps its first argument when the other is NaN.
[[gnu::always_inline]] inline float lane_max(const float* x, int64_t n) {
  constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
  float lanes[kSumLanes];
  std::fill_n(lanes, kSumLanes, kMinusInf);
  int64_t j = 0;
  for (; j + kSumLanes <= n; j += kSumLanes)
    for (int l = 0; l < kSumLanes; ++l) lanes[l] = std::max(lanes[l], x[j + l]);
  float m = kMinusInf;
  for (; j < n; ++j) m = std::max(m, x[j]);
  for (float lane : lanes) m = std::max(m, lane);
  return m;
}

}  // namespace sg
