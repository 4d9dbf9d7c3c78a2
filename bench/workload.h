#pragma once
// A named, repeatable piece of work and how much of it one call does, so that every table turns a
// time into a rate the same way.
#include <functional>
#include <string>
#include <string_view>

namespace sg::bench {

struct Workload {
  std::string name;
  double work_per_call = 0.0;  // flops when compute-bound, bytes read + written when memory-bound
  std::string_view unit;       // of work_per_call / 1e9 per second: "GFLOP/s" or "GB/s"
  std::function<void()> run;
  bool compare_threads = false;  // also timed at 1 thread, to show the speed-up
};

inline double rate(const Workload& workload, double seconds) {
  return workload.work_per_call / 1e9 / seconds;
}

}  // namespace sg::bench
