#include "examples/support/best_score.h"

#include <fmt/core.h>

#include <cmath>

#include "synthgrad/core/error.h"

namespace sg::examples {

bool BestScore::offer(double value) {
  const bool better = !best_ || (std::isnan(*best_) && !std::isnan(value)) ||
                      (goal_ == Goal::higher ? value > *best_ : value < *best_);
  if (better) best_ = value;
  return better;
}

double BestScore::value() const {
  SG_CHECK(best_, "BestScore::value: no evaluation yet");
  return *best_;
}

std::string BestScore::to_string() const {
  return best_ ? fmt::format("{}", *best_) : "none";
}

void BestScore::restore(const std::string& text) {
  best_.reset();
  if (text == "none") return;
  try {
    best_ = std::stod(text);
  } catch (const std::exception&) {
    fail("BestScore::restore: '{}' is not a number or none", text);
  }
}

std::string save_if_best(BestScore& best, double value, const std::function<void()>& save) {
  const bool first = best.empty();
  if (!best.offer(value)) return std::isnan(value) ? " (not a number: best model kept)" : "";
  save();
  return std::isnan(value) && first ? " (not a number, but the first evaluation: best, saved)"
                                    : " (best, saved)";
}

}  // namespace sg::examples
