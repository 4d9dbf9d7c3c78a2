#include "data/glue_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/ranges.h>

#include "core/error.h"
#include "data/files.h"
#include "data/tsv.h"

namespace sg::data {

namespace {

struct RawRow {
  int64_t line;
  std::string_view text_a, text_b, label;  // text_b and label are empty when absent
};

size_t find_column(const std::vector<std::string_view>& names, const std::string& wanted,
                   const std::string& path) {
  const auto found = std::find(names.begin(), names.end(), wanted);
  if (found == names.end())
    fail("{}:1: no column '{}' in the header (columns: {})", path, wanted, fmt::join(names, ", "));
  return static_cast<size_t>(found - names.begin());
}

// Calls visit(path, row) for every data line of the split, once the line's column count is known
// to be right. The views in a row live only during the call.
template <class Visit>
void visit_rows(const TaskSpec& task, const std::string& folder, std::string_view split,
                const Visit& visit) {
  const SplitFile& entry = task.split_file(split);
  const std::string path = (std::filesystem::path(folder) / entry.file).string();
  if (!std::filesystem::exists(path))
    fail("{}: missing {} file '{}'", task.name, entry.split, path);
  const std::string text = read_text_file(path, task.name);
  const std::vector<TsvRow> rows = parse_tsv(text);

  std::vector<std::string_view> names(task.headerless_columns.begin(),
                                      task.headerless_columns.end());
  size_t first_data_row = 0;
  if (entry.has_header) {
    if (rows.empty()) fail("{}: empty file, expected a header line", path);
    names = rows[0].fields;
    first_data_row = 1;
  }
  const size_t a = find_column(names, task.text_a_column, path);
  const size_t b = task.is_pair ? find_column(names, task.text_b_column, path) : 0;
  const size_t label = entry.has_labels ? find_column(names, task.label_column, path) : 0;

  for (size_t r = first_data_row; r < rows.size(); ++r) {
    const TsvRow& row = rows[r];
    if (row.fields.size() != names.size())
      fail("{}:{}: expected {} tab-separated columns, found {}", path, row.line, names.size(),
           row.fields.size());
    visit(path, RawRow{row.line, row.fields[a], task.is_pair ? row.fields[b] : std::string_view(),
                       entry.has_labels ? row.fields[label] : std::string_view()});
  }
}

float parse_score(const std::string& path, const RawRow& row) {
  float score = 0.0f;
  const char* end = row.label.data() + row.label.size();
  const auto [stop, error] = std::from_chars(row.label.data(), end, score);
  if (error != std::errc() || stop != end || !std::isfinite(score))
    fail("{}:{}: bad score '{}', expected a number", path, row.line, row.label);
  return score;
}

int64_t parse_label(const TaskSpec& task, const std::string& path, const RawRow& row) {
  const auto found = std::find(task.label_names.begin(), task.label_names.end(), row.label);
  if (found == task.label_names.end())
    fail("{}:{}: unknown label '{}' (labels: {})", path, row.line, row.label,
         fmt::join(task.label_names, ", "));
  return found - task.label_names.begin();
}

}  // namespace

std::vector<Example> read_split(const TaskSpec& task, const std::string& folder,
                                std::string_view split) {
  const bool labelled = task.split_file(split).has_labels;
  std::vector<Example> examples;
  visit_rows(task, folder, split, [&](const std::string& path, const RawRow& row) {
    Example example{std::string(row.text_a), std::string(row.text_b)};
    if (labelled) {
      example.has_label = true;
      if (task.is_regression)
        example.score = parse_score(path, row);
      else
        example.label = parse_label(task, path, row);
    }
    examples.push_back(std::move(example));
  });
  return examples;
}

TaskSpec tsv_task(std::string name, const std::string& folder) {
  TaskSpec task = tsv_task(std::move(name), std::vector<std::string>{});
  std::set<std::string, std::less<>> labels;
  visit_rows(task, folder, "train",
             [&](const std::string&, const RawRow& row) { labels.emplace(row.label); });
  if (labels.empty()) fail("{}: no labelled rows in the train split in '{}'", task.name, folder);
  task.label_names.assign(labels.begin(), labels.end());
  return task;
}

TaskSpec tsv_task(std::string name, std::vector<std::string> label_names) {
  TaskSpec task = glue_task("SST-2");
  task.name = std::move(name);
  task.label_names = std::move(label_names);
  return task;
}

}  // namespace sg::data
