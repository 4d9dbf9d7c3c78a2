#include "examples/support/benchmark_table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "synthgrad/core/error.h"

namespace sg::examples {

namespace {

constexpr double kPercent = 100.0;

void add_once(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

// How papers name the metrics in a table header.
std::string display_name(const std::string& metric) {
  static const std::map<std::string, std::string> names = {{"accuracy", "acc"},
                                                           {"f1", "F1"},
                                                           {"mcc", "MCC"},
                                                           {"pearson", "Pearson"},
                                                           {"spearman", "Spearman"}};
  const auto it = names.find(metric);
  return it == names.end() ? metric : it->second;
}

std::string percent(double fraction) {
  return std::isnan(fraction) ? "n/a" : fmt::format("{:.1f}", kPercent * fraction);
}

std::string csv_percent(double fraction) {
  return std::isnan(fraction) ? "" : fmt::format("{:.2f}", kPercent * fraction);
}

// "81.2/70.1 (80.0–82.5/69.0–71.0)": the medians, and with several seeds their ranges.
std::string markdown_cell(const Cell& cell) {
  std::vector<std::string> medians, ranges;
  for (const MetricSummary& m : cell.metrics) {
    medians.push_back(percent(m.median));
    ranges.push_back(fmt::format("{}–{}", percent(m.min), percent(m.max)));
  }
  std::string text = fmt::format("{}", fmt::join(medians, "/"));
  if (cell.seeds > 1) text += fmt::format(" ({})", fmt::join(ranges, "/"));
  return text;
}

// The metric names and the most seeds any variant of the task ran.
std::pair<std::vector<std::string>, int64_t> task_header(const BenchmarkTable& table,
                                                         const std::string& task) {
  std::vector<std::string> names;
  int64_t seeds = 0;
  for (const std::string& variant : table.variants) {
    const auto it = table.cells.find({task, variant});
    if (it == table.cells.end()) continue;
    seeds = std::max(seeds, it->second.seeds);
    names.clear();
    for (const MetricSummary& m : it->second.metrics) names.push_back(display_name(m.metric));
  }
  return {names, seeds};
}

}  // namespace

double Cell::score() const {
  double sum = 0;
  for (const MetricSummary& m : metrics) sum += m.median;
  return sum / static_cast<double>(metrics.size());
}

double BenchmarkTable::glue_average(const std::string& variant) const {
  double sum = 0;
  for (const std::string& task : tasks) {
    const auto it = cells.find({task, variant});
    if (it == cells.end()) return NAN;
    sum += it->second.score();
  }
  return sum / static_cast<double>(tasks.size());
}

double median(std::vector<double> values) {
  SG_CHECK(!values.empty(), "median: no values");
  std::sort(values.begin(), values.end());
  const size_t half = values.size() / 2;
  return values.size() % 2 == 1 ? values[half] : (values[half - 1] + values[half]) / 2.0;
}

BenchmarkTable tabulate(const std::vector<RunScore>& runs) {
  BenchmarkTable table;
  std::map<std::pair<std::string, std::string>, std::vector<const RunScore*>> groups;
  for (const RunScore& run : runs) {
    add_once(table.tasks, run.task);
    add_once(table.variants, run.variant);
    groups[{run.task, run.variant}].push_back(&run);
  }
  std::map<std::string, std::vector<std::string>> metrics_of_task;
  for (const auto& [key, group] : groups) {
    Cell cell{.seeds = static_cast<int64_t>(group.size()), .metrics = {}};
    for (size_t i = 0; i < group.front()->metrics.size(); ++i) {
      std::vector<double> values;
      for (const RunScore* run : group) {
        SG_CHECK(run->metrics.size() == group.front()->metrics.size() &&
                     run->metrics[i].first == group.front()->metrics[i].first,
                 "benchmark table: the runs of {} {} report different metrics", key.first,
                 key.second);
        const double value = run->metrics[i].second;
        values.push_back(std::isnan(value) ? 0.0 : value);
      }
      cell.metrics.push_back({.metric = group.front()->metrics[i].first,
                              .median = median(values),
                              .min = *std::min_element(values.begin(), values.end()),
                              .max = *std::max_element(values.begin(), values.end())});
    }
    table.cells.emplace(key, std::move(cell));
  }
  return table;
}

std::string to_markdown(const BenchmarkTable& table) {
  std::string text =
      fmt::format("| task | metric | seeds | {} |\n", fmt::join(table.variants, " | "));
  text += "| --- | --- | ---: |";
  for (size_t i = 0; i < table.variants.size(); ++i) text += " ---: |";
  text += "\n";
  for (const std::string& task : table.tasks) {
    const auto [names, seeds] = task_header(table, task);
    text += fmt::format("| {} | {} | {} |", task, fmt::join(names, "/"), seeds);
    for (const std::string& variant : table.variants) {
      const auto it = table.cells.find({task, variant});
      text += fmt::format(" {} |", it == table.cells.end() ? "n/a" : markdown_cell(it->second));
    }
    text += "\n";
  }
  text += "| GLUE average | | |";
  for (const std::string& variant : table.variants)
    text += fmt::format(" {} |", percent(table.glue_average(variant)));
  text +=
      "\n\nDev-set scores in percent: the median over seeds, with the lowest and highest in "
      "parentheses. The GLUE average is the mean over tasks, a task with two metrics counting "
      "their mean.\n";
  return text;
}

std::string to_csv(const BenchmarkTable& table) {
  std::string text = "task,variant,metric,seeds,median,min,max\n";
  for (const std::string& task : table.tasks)
    for (const std::string& variant : table.variants) {
      const auto it = table.cells.find({task, variant});
      if (it == table.cells.end()) continue;
      const Cell& cell = it->second;
      for (const MetricSummary& m : cell.metrics)
        text += fmt::format("{},{},{},{},{},{},{}\n", task, variant, m.metric, cell.seeds,
                            csv_percent(m.median), csv_percent(m.min), csv_percent(m.max));
      text += fmt::format("{},{},score,{},{},,\n", task, variant, cell.seeds,
                          csv_percent(cell.score()));
    }
  for (const std::string& variant : table.variants)
    text += fmt::format("GLUE average,{},score,,{},,\n", variant,
                        csv_percent(table.glue_average(variant)));
  return text;
}

}  // namespace sg::examples
