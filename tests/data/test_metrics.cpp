#include <doctest/doctest.h>

#include <cmath>

#include "fixtures.h"
#include "synthgrad/data/metrics.h"

using namespace sg::data;
using sg::testing::error_message;

namespace {

const std::vector<int64_t> kPredicted = {1, 0, 1, 1, 0};
const std::vector<int64_t> kGold = {1, 0, 0, 1, 1};  // TP 2, TN 1, FP 1, FN 1

}  // namespace

TEST_CASE("accuracy and F1 of the positive class") {
  CHECK(accuracy(kPredicted, kGold) == doctest::Approx(0.6));
  // 2 TP / (2 TP + FP + FN) = 4 / 6.
  CHECK(f1_score(kPredicted, kGold) == doctest::Approx(2.0 / 3.0));
  // Class 0 as the positive one: TP 1, FP 1 (index 4), FN 1 (index 2).
  CHECK(f1_score(kPredicted, kGold, 0) == doctest::Approx(0.5));
  const std::vector<int64_t> zeros = {0, 0, 0};
  CHECK(f1_score(zeros, zeros) == 0.0);
}

TEST_CASE("Matthews correlation") {
  // (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (2 - 1) / sqrt(3 * 3 * 2 * 2) = 1 / 6.
  CHECK(matthews_corrcoef(kPredicted, kGold) == doctest::Approx(1.0 / 6.0));
  CHECK(matthews_corrcoef(kGold, kGold) == doctest::Approx(1.0));
  const std::vector<int64_t> flipped = {0, 1, 1, 0, 0};
  CHECK(matthews_corrcoef(flipped, kGold) == doctest::Approx(-1.0));
  const std::vector<int64_t> constant = {1, 1, 1, 1, 1};
  CHECK(matthews_corrcoef(constant, kGold) == 0.0);
  // Three classes: correct 3 of 6; gold counts 2 2 2, predicted 3 1 2. (3 * 6 - (6 + 2 + 4)) /
  // sqrt((36 - 12) (36 - 14)) = 6 / sqrt(528).
  const std::vector<int64_t> gold3 = {0, 1, 2, 0, 1, 2}, predicted3 = {0, 2, 1, 0, 0, 2};
  CHECK(matthews_corrcoef(predicted3, gold3) == doctest::Approx(6.0 / std::sqrt(528.0)));
}

TEST_CASE("Pearson and Spearman with tied ranks") {
  const std::vector<double> x = {1, 2, 3, 4, 5}, y = {2, 4, 5, 4, 5};
  // Deviations (-2 -1 0 1 2) and (-2 0 1 0 1): 6 / sqrt(10 * 6).
  CHECK(pearson(x, y) == doctest::Approx(6.0 / std::sqrt(60.0)));
  // Ranks of y with ties averaged: 1 2.5 4.5 2.5 4.5; 7 / sqrt(10 * 9) (SciPy: 0.7378647873726218).
  CHECK(spearman(x, y) == doctest::Approx(7.0 / std::sqrt(90.0)));
  CHECK(spearman(x, y) == doctest::Approx(0.7378647873726218));
  const std::vector<double> squares = {1, 4, 9, 16, 25};
  CHECK(spearman(x, squares) == doctest::Approx(1.0));
  const std::vector<double> constant = {3, 3, 3, 3, 3};
  CHECK(std::isnan(pearson(x, constant)));
  CHECK(std::isnan(spearman(constant, x)));
  // A diverged model's NaN predictions: NaN, as SciPy's spearmanr gives (the ranks were finite).
  const std::vector<double> diverged = {1, std::nan(""), 3, 4, 5};
  CHECK(std::isnan(spearman(diverged, x)));
  CHECK(std::isnan(spearman(x, diverged)));
}

TEST_CASE("Pearson of constant values that do not average exactly is NaN") {
  // The mean of seven 0.1s is not 0.1 in binary, so the deviations are tiny but not zero.
  const std::vector<double> constant(7, 0.1), y = {1, 2, 3, 4, 5, 6, 8};
  CHECK(std::isnan(pearson(constant, y)));
  CHECK(std::isnan(pearson(y, constant)));
}

TEST_CASE("Pearson stays within -1 and 1 and survives large and small magnitudes") {
  // Perfectly linear data: rounding alone took r above 1 (SciPy clips r to [-1, 1]).
  const std::vector<double> x = {0.3, -1.7, 2.9, 0.05, 1.1, -0.6, 4.2};
  std::vector<double> y, negated;
  for (double v : x) {
    y.push_back(3 * v + 1.3);
    negated.push_back(-3 * v + 1.3);
  }
  CHECK(pearson(x, y) <= 1.0);
  CHECK(pearson(x, y) == doctest::Approx(1.0));
  CHECK(pearson(x, negated) >= -1.0);
  CHECK(pearson(x, negated) == doctest::Approx(-1.0));
  // Data whose rounding gives r = 1.0000000000000002 and -1.0000000000000002 before the clip.
  const std::vector<double> x2 = {-1.12, 1.7, 4.36, 3.46, -1.87};
  std::vector<double> y2, negated2;
  for (double v : x2) {
    y2.push_back(3 * v + 1.3);
    negated2.push_back(-3 * v + 1.3);
  }
  CHECK(pearson(x2, y2) <= 1.0);
  CHECK(pearson(x2, negated2) >= -1.0);
  // The product of the two sums of squares overflowed (r = 0) or underflowed (r = NaN).
  const std::vector<double> big = {1e100, 2e100, 3e100}, big2 = {1e100, 3e100, 2e100};
  CHECK(pearson(big, big2) == doctest::Approx(0.5));
  const std::vector<double> small = {1e-170, 2e-170, 3e-170};
  CHECK(pearson(small, small) == doctest::Approx(1.0));
}

TEST_CASE("metric errors and task metrics") {
  const std::vector<int64_t> three = {1, 0, 1};
  CHECK(error_message([&] { accuracy(three, kGold); }) ==
        "accuracy: 3 predictions but 5 gold values");
  CHECK(error_message([] { pearson({}, {}); }) == "pearson: no values");

  const auto mrpc = evaluate_classification(glue_task("MRPC"), kPredicted, kGold);
  REQUIRE(mrpc.size() == 2);
  CHECK(mrpc[0].first == "f1");
  CHECK(mrpc[0].second == doctest::Approx(2.0 / 3.0));
  CHECK(mrpc[1].first == "accuracy");
  CHECK(mrpc[1].second == doctest::Approx(0.6));
  const auto cola = evaluate_classification(glue_task("CoLA"), kPredicted, kGold);
  CHECK(cola.at(0).second == doctest::Approx(1.0 / 6.0));

  const std::vector<double> x = {1, 2, 3, 4, 5}, y = {2, 4, 5, 4, 5};
  const auto stsb = evaluate_regression(glue_task("STS-B"), x, y);
  REQUIRE(stsb.size() == 2);
  CHECK(stsb[1].first == "spearman");
  CHECK(stsb[1].second == doctest::Approx(7.0 / std::sqrt(90.0)));
  CHECK(error_message([&] {
          evaluate_regression(glue_task("SST-2"), x, y);
        }).find("SST-2: metric 'accuracy'") == 0);
}
