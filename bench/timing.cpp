#include "bench/timing.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

namespace sg::bench {

namespace {

double seconds_of_one_call(const std::function<void()>& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Timing time_runs(const std::function<void()>& fn, const Repeats& repeats) {
  if (repeats.runs < 1) throw std::invalid_argument("time_runs: needs at least one timed run");
  for (int i = 0; i < repeats.warmup; ++i) fn();
  std::vector<double> seconds(static_cast<size_t>(repeats.runs));
  for (double& s : seconds) s = seconds_of_one_call(fn);
  std::sort(seconds.begin(), seconds.end());
  const size_t mid = seconds.size() / 2;
  const double median =
      seconds.size() % 2 == 1 ? seconds[mid] : (seconds[mid - 1] + seconds[mid]) / 2.0;
  return {median, seconds.front()};
}

}  // namespace sg::bench
