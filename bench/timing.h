#pragma once
// Wall-clock timing that resists noise: warm-up calls absorb one-off costs (first touch of fresh
// pages, thread pools starting, cold caches) and the median of the timed calls ignores outliers.
#include <functional>

namespace sg::bench {

struct Repeats {
  int warmup = 2;
  int runs = 7;  // at least 1
};

struct Timing {
  double median_s = 0.0;
  double min_s = 0.0;
};

Timing time_runs(const std::function<void()>& fn, const Repeats& repeats);

}  // namespace sg::bench
