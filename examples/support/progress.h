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

class Progress {
 public:
  explicit Progress(int64_t total_steps, bool shown = true);
  void update(const ProgressFields& fields);
  void finish();                          // ends the bar's line
  void message(const std::string& text);  // a line that does not disturb the bar

 private:
  std::string line(const ProgressFields& f) const;

  int64_t total_;
  bool shown_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, last_print_;
  bool drawn_ = false;
};

}  // namespace sg::examples
