#pragma once
// The results table of `glue benchmark`: per task and attention variant each official metric as
// the median over seeds with its min-max spread, per variant the GLUE-style average (the mean over
// tasks of each task's score, a task with two metrics scoring their mean as the GLUE leaderboard
// does), in percent as papers print them; written as Markdown and as CSV.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sg::examples {

// One run's dev metrics (fractions, in the task's order: "f1", "accuracy").
struct RunScore {
  std::string task, variant;
  std::vector<std::pair<std::string, double>> metrics;
};

struct MetricSummary {
  std::string metric;
  double median = 0, min = 0, max = 0;
};

// One task and variant over its seeds.
struct Cell {
  int64_t seeds = 0;
  std::vector<MetricSummary> metrics;
  double score() const;  // the mean of the metrics' medians
};

struct BenchmarkTable {
  std::vector<std::string> tasks, variants;                   // in the order of the runs
  std::map<std::pair<std::string, std::string>, Cell> cells;  // by (task, variant)
  // The mean over tasks of their scores; NaN while a task has no run of that variant.
  double glue_average(const std::string& variant) const;
};

// The middle value, or the mean of the two middle ones; throws on an empty list.
double median(std::vector<double> values);

// Groups runs by task and variant. A NaN metric (a correlation of constant predictions, which is
// undefined) counts as 0, no correlation. Throws when runs of one task name different metrics.
BenchmarkTable tabulate(const std::vector<RunScore>& runs);

std::string to_markdown(const BenchmarkTable& table);
// One row per task, variant and metric, then a "score" row per task and variant and a
// "GLUE average" row per variant: task,variant,metric,seeds,median,min,max in percent.
std::string to_csv(const BenchmarkTable& table);

}  // namespace sg::examples
