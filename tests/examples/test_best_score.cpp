#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "examples/support/best_score.h"

using sg::examples::BestScore;
using sg::examples::save_if_best;

namespace {

// The notes save_if_best gives for `values` in turn, and how often it saved.
struct Offers {
  std::vector<std::string> notes;
  int saves = 0;
};

Offers offer_all(BestScore& best, const std::vector<double>& values) {
  Offers offers;
  for (double value : values)
    offers.notes.push_back(save_if_best(best, value, [&] { ++offers.saves; }));
  return offers;
}

}  // namespace

TEST_CASE("BestScore: the first evaluation is the best, even a NaN") {
  BestScore best(BestScore::Goal::higher);
  CHECK(best.empty());
  const Offers offers = offer_all(best, {NAN, NAN, 0.5, NAN, 0.4, 0.7});
  CHECK(offers.notes ==
        std::vector<std::string>{" (not a number, but the first evaluation: best, saved)",
                                 " (not a number: best model kept)", " (best, saved)",
                                 " (not a number: best model kept)", "", " (best, saved)"});
  CHECK(offers.saves == 3);
  CHECK(best.value() == 0.7);
}

TEST_CASE("BestScore: lower is better for a loss") {
  BestScore best(BestScore::Goal::lower);
  const Offers offers = offer_all(best, {3.0, 3.5, 2.0, INFINITY});
  CHECK(offers.notes == std::vector<std::string>{" (best, saved)", "", " (best, saved)", ""});
  CHECK(best.value() == 2.0);
}

TEST_CASE("BestScore: saved in checkpoint metadata and restored") {
  BestScore best(BestScore::Goal::lower);
  CHECK(best.to_string() == "none");
  best.offer(0.25);
  CHECK(best.to_string() == "0.25");

  BestScore restored(BestScore::Goal::lower);
  restored.restore(best.to_string());
  CHECK(restored.value() == 0.25);
  CHECK_FALSE(restored.offer(0.5));
  restored.restore("none");
  CHECK(restored.empty());
  restored.restore("nan");
  CHECK(std::isnan(restored.value()));
  CHECK(restored.offer(9.0));
  CHECK_THROWS_WITH(restored.restore("best"), "BestScore::restore: 'best' is not a number or none");
  CHECK_THROWS_WITH(BestScore(BestScore::Goal::higher).value(),
                    "BestScore::value: no evaluation yet");
}
