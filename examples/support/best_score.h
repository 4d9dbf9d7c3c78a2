#pragma once
// The best evaluation of a run so far: the one best.safetensors holds. The first evaluation is
// always the best, so every run leaves a best model, even when its metric is NaN (a Pearson
// correlation of constant predictions); after that a NaN never beats a number and a number always
// beats a NaN.
#include <functional>
#include <optional>
#include <string>

namespace sg::examples {

class BestScore {
 public:
  enum class Goal { higher, lower };  // which values are better
  explicit BestScore(Goal goal) : goal_(goal) {}

  // Whether `value` beats the best so far; if it does, it becomes the best.
  bool offer(double value);
  bool empty() const { return !best_; }
  double value() const;  // throws before the first evaluation

  // For checkpoint metadata: "none" before the first evaluation, else the value ("nan" too).
  std::string to_string() const;
  void restore(const std::string& text);

 private:
  Goal goal_;
  std::optional<double> best_;
};

// Offers `value` to `best` and calls `save` when it is the new best. Returns what the evaluation's
// log line says about it: saved, or not a number and why it was (not) saved; empty otherwise.
std::string save_if_best(BestScore& best, double value, const std::function<void()>& save);

}  // namespace sg::examples
