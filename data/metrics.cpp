#include "synthgrad/data/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "synthgrad/core/error.h"

namespace sg::data {

namespace {

template <class T>
void check_sizes(std::span<const T> a, std::span<const T> b, const char* metric) {
  SG_CHECK(a.size() == b.size(), "{}: {} predictions but {} gold values", metric, a.size(),
           b.size());
  SG_CHECK(!a.empty(), "{}: no values", metric);
}

// 1-based ranks; tied values share the average of the ranks they span.
std::vector<double> average_ranks(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t i, size_t j) { return values[i] < values[j]; });
  std::vector<double> ranks(values.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    const double rank = 0.5 * static_cast<double>(start + 1 + end);  // mean of start+1 .. end
    for (size_t k = start; k < end; ++k) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

[[noreturn]] void unknown_metric(const TaskSpec& task, const std::string& name) {
  fail("{}: metric '{}' does not apply to its {} labels", task.name, name,
       task.is_regression ? "regression" : "class");
}

}  // namespace

double accuracy(std::span<const int64_t> predicted, std::span<const int64_t> gold) {
  check_sizes(predicted, gold, "accuracy");
  size_t correct = 0;
  for (size_t i = 0; i < gold.size(); ++i) correct += predicted[i] == gold[i];
  return static_cast<double>(correct) / static_cast<double>(gold.size());
}

double f1_score(std::span<const int64_t> predicted, std::span<const int64_t> gold,
                int64_t positive) {
  check_sizes(predicted, gold, "f1_score");
  double true_pos = 0, false_pos = 0, false_neg = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    const bool p = predicted[i] == positive, g = gold[i] == positive;
    true_pos += p && g;
    false_pos += p && !g;
    false_neg += !p && g;
  }
  const double denominator = 2 * true_pos + false_pos + false_neg;
  return denominator == 0 ? 0.0 : 2 * true_pos / denominator;
}

double matthews_corrcoef(std::span<const int64_t> predicted, std::span<const int64_t> gold) {
  check_sizes(predicted, gold, "matthews_corrcoef");
  // The multi-class form (Gorodkin 2004) from class totals; it equals the binary formula.
  std::map<int64_t, double> gold_count, predicted_count;
  double correct = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    gold_count[gold[i]] += 1;
    predicted_count[predicted[i]] += 1;
    correct += predicted[i] == gold[i];
  }
  const double n = static_cast<double>(gold.size());
  double cross = 0, gold_squares = 0, predicted_squares = 0;
  for (const auto& [label, count] : gold_count) {
    gold_squares += count * count;
    const auto p = predicted_count.find(label);
    if (p != predicted_count.end()) cross += count * p->second;
  }
  for (const auto& [label, count] : predicted_count) predicted_squares += count * count;
  const double denominator = std::sqrt((n * n - gold_squares) * (n * n - predicted_squares));
  return denominator == 0 ? 0.0 : (correct * n - cross) / denominator;
}

double pearson(std::span<const double> x, std::span<const double> y) {
  check_sizes(x, y, "pearson");
  // Tested on the values, not the sums of squares: the rounded mean of constant values can differ
  // from them, which leaves tiny deviations and a meaningless r near 0.
  const auto constant = [](std::span<const double> v) {
    return std::all_of(v.begin(), v.end(), [&](double e) { return e == v[0]; });
  };
  if (constant(x) || constant(y)) return std::numeric_limits<double>::quiet_NaN();
  // Deviations from the mean over their largest magnitude, so that their squares neither overflow
  // nor underflow (values near 1e100 or 1e-170 gave 0 or NaN); scaling x or y leaves r as it is.
  const auto scaled_deviations = [](std::span<const double> v) {
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    std::vector<double> deviations(v.size());
    double largest = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      deviations[i] = v[i] - mean;
      largest = std::max(largest, std::abs(deviations[i]));
    }
    for (double& d : deviations) d /= largest;
    return deviations;
  };
  const std::vector<double> dx = scaled_deviations(x), dy = scaled_deviations(y);
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < dx.size(); ++i) {
    xy += dx[i] * dy[i];
    xx += dx[i] * dx[i];
    yy += dy[i] * dy[i];
  }
  // Rounding can take r just past +-1, where SciPy clips it too.
  return std::clamp(xy / std::sqrt(xx * yy), -1.0, 1.0);
}

double spearman(std::span<const double> x, std::span<const double> y) {
  check_sizes(x, y, "spearman");
  // NaN has no rank (sorting with it is undefined): a diverged model scores NaN, as in Pearson.
  const auto has_nan = [](std::span<const double> v) {
    return std::any_of(v.begin(), v.end(), [](double e) { return std::isnan(e); });
  };
  if (has_nan(x) || has_nan(y)) return std::numeric_limits<double>::quiet_NaN();
  return pearson(average_ranks(x), average_ranks(y));
}

MetricValues evaluate_classification(const TaskSpec& task, std::span<const int64_t> predicted,
                                     std::span<const int64_t> gold) {
  MetricValues values;
  for (const std::string& name : task.metrics) {
    if (name == "accuracy")
      values.emplace_back(name, accuracy(predicted, gold));
    else if (name == "f1")
      values.emplace_back(name, f1_score(predicted, gold));
    else if (name == "mcc")
      values.emplace_back(name, matthews_corrcoef(predicted, gold));
    else
      unknown_metric(task, name);
  }
  return values;
}

MetricValues evaluate_regression(const TaskSpec& task, std::span<const double> predicted,
                                 std::span<const double> gold) {
  MetricValues values;
  for (const std::string& name : task.metrics) {
    if (name == "pearson")
      values.emplace_back(name, pearson(predicted, gold));
    else if (name == "spearman")
      values.emplace_back(name, spearman(predicted, gold));
    else
      unknown_metric(task, name);
  }
  return values;
}

}  // namespace sg::data
