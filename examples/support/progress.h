#pragma once
// Progress of a long run on stderr: a bar redrawn in place on a terminal, plain lines (every few
// seconds) when stderr is a file or a pipe; nothing at all when not `shown` (the ranks of a
// data-parallel run but the first).
#include <chrono>
#include <cstdint>
#include <string>

namespace sg::examples {

struct ProgressFields {
  int64_t step = 0;
  int64_t epoch = 0;
  double loss = 0.0;
  double lr = 0.0;
  double tokens_per_second = 0.0;
};

// Seconds left at `step` of `total`, from this sitting's pace: `elapsed` seconds since it started
// at `first_step` (a resumed run's steps before it took no time of this sitting).
double remaining_seconds(double elapsed, int64_t first_step, int64_t step, int64_t total);

class Progress {
 public:
  // A resumed run's progress starts at first_step.
  explicit Progress(int64_t total_steps, bool shown = true, int64_t first_step = 0);
  void update(const ProgressFields& fields);
  void finish();                          // ends the bar's line
  void message(const std::string& text);  // a line that does not disturb the bar

 private:
  std::string line(const ProgressFields& f) const;

  int64_t total_, first_step_;
  bool shown_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, last_print_;
  bool drawn_ = false;
};

}  // namespace sg::examples
