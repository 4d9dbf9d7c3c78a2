#include "examples/support/progress.h"

#include <fmt/core.h>
#include <unistd.h>

namespace sg::examples {

namespace {

std::string duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}h{:02d}m", s / 3600, (s / 60) % 60)
                   : fmt::format("{}m{:02d}s", s / 60, s % 60);
}

}  // namespace

double remaining_seconds(double elapsed, int64_t first_step, int64_t step, int64_t total) {
  return step > first_step
             ? elapsed / static_cast<double>(step - first_step) * static_cast<double>(total - step)
             : 0.0;
}

Progress::Progress(int64_t total_steps, bool shown, int64_t first_step)
    : total_(total_steps),
      first_step_(first_step),
      shown_(shown),
      terminal_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

std::string Progress::line(const ProgressFields& f) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = remaining_seconds(elapsed, first_step_, f.step, total_);
  return fmt::format("step {}/{} epoch {} loss {:.4f} lr {:.2e} {:.0f} tok/s elapsed {} eta {}",
                     f.step, total_, f.epoch, f.loss, f.lr, f.tokens_per_second, duration(elapsed),
                     duration(eta));
}

void Progress::update(const ProgressFields& f) {
  if (!shown_) return;
  const auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    constexpr int kWidth = 24;
    const int filled = total_ > 0 ? static_cast<int>(kWidth * f.step / total_) : 0;
    fmt::print(stderr, "\r[{}{}] {}\x1b[K", std::string(filled, '#'),
               std::string(kWidth - filled, '.'), line(f));
    drawn_ = true;
  } else if (now - last_print_ >= std::chrono::seconds(5) || f.step == total_) {
    fmt::print(stderr, "{}\n", line(f));
    last_print_ = now;
  }
}

void Progress::finish() {
  if (terminal_ && drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
}

void Progress::message(const std::string& text) {
  if (!shown_) return;
  if (terminal_ && drawn_) fmt::print(stderr, "\r\x1b[K");
  fmt::print(stderr, "{}\n", text);
}

}  // namespace sg::examples
