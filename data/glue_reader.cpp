#include "synthgrad/data/glue_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/ranges.h>

#include "synthgrad/core/error.h"
#include "synthgrad/data/files.h"
#include "synthgrad/data/tsv.h"
#include "synthgrad/data/utf8.h"

namespace sg::data {

namespace {

struct RawRow {
  int64_t line;
  std::string_view text_a, text_b, label;  // text_b and label are empty when absent
};

size_t find_column(const std::vector<std::string>& names, const std::string& wanted,
                   const std::string& path) {
  const auto found = std::find(names.begin(), names.end(), wanted);
  if (found == names.end())
    fail("{}:1: no column '{}' in the header (columns: {})", path, wanted, fmt::join(names, ", "));
  if (std::find(found + 1, names.end(), wanted) != names.end())
    fail("{}:1: the header names column '{}' twice", path, wanted);
  return static_cast<size_t>(found - names.begin());
}

// A first line naming none of the columns the task reads is data, not a header that misspells one.
void require_header(const TaskSpec& task, const std::vector<std::string>& first_line,
                    const std::vector<std::string>& wanted, const std::string& path) {
  const bool names_any = std::any_of(wanted.begin(), wanted.end(), [&](const std::string& name) {
    return std::find(first_line.begin(), first_line.end(), name) != first_line.end();
  });
  if (names_any) return;
  constexpr size_t shown = 60;
  std::string start = fmt::format("{}", fmt::join(first_line, "\\t"));
  if (start.size() > shown) start = start.substr(0, shown) + "...";
  fail(
      "{}:1: no header line: {} files start with a line naming their columns ({}), this one "
      "with '{}'",
      path, task.name, fmt::join(wanted, ", "), start);
}

// The names of the split's columns: its header line, or the task's fixed names for a split
// without one.
std::vector<std::string> column_names(const TaskSpec& task, const SplitFile& entry,
                                      const std::vector<TsvRow>& rows, const std::string& path) {
  if (!entry.has_header) return task.headerless_columns;
  if (rows.empty()) fail("{}: empty file, expected a header line", path);
  std::vector<std::string> wanted = {task.text_a_column};
  if (task.is_pair) wanted.push_back(task.text_b_column);
  if (entry.has_labels) wanted.push_back(task.label_column);
  require_header(task, rows[0].fields, wanted, path);
  return rows[0].fields;
}

// Calls visit(path, row) for every data line of the split, once the line's column count is known
// to be right. The views in a row live only during the call. Line numbers are those where the
// record starts (a quoted field may span lines).
template <class Visit>
void visit_rows(const TaskSpec& task, const std::string& folder, std::string_view split,
                const Visit& visit) {
  const SplitFile& entry = task.split_file(split);
  const std::string path = (std::filesystem::path(folder) / entry.file).string();
  if (!std::filesystem::exists(path))
    fail("{}: missing {} file '{}'", task.name, entry.split, path);
  const std::string text = read_text_file(path, task.name);
  const std::vector<TsvRow> rows = parse_tsv(text, task.quoting, path);

  const std::vector<std::string> names = column_names(task, entry, rows, path);
  const size_t first_data_row = entry.has_header ? 1 : 0;
  const size_t a = find_column(names, task.text_a_column, path);
  const size_t b = task.is_pair ? find_column(names, task.text_b_column, path) : 0;
  const size_t label = entry.has_labels ? find_column(names, task.label_column, path) : 0;

  for (size_t r = first_data_row; r < rows.size(); ++r) {
    const TsvRow& row = rows[r];
    if (row.fields.size() != names.size())
      fail("{}:{}: expected {} tab-separated columns, found {}", path, row.line, names.size(),
           row.fields.size());
    // Found here with file and line, not later as a tokenizer that cannot be saved.
    for (size_t c = 0; c < row.fields.size(); ++c) {
      const std::string& field = row.fields[c];
      const size_t bad = std::min(first_invalid_utf8(field), field.find('\0'));
      if (bad != std::string::npos)
        fail("{}:{}: column '{}' holds {} (byte {} of the field)", path, row.line, names[c],
             field[bad] == '\0' ? "a NUL byte" : "bytes that are not UTF-8", bad + 1);
    }
    visit(path, RawRow{row.line, row.fields[a], task.is_pair ? row.fields[b] : std::string_view(),
                       entry.has_labels ? row.fields[label] : std::string_view()});
  }
}

float parse_score(const TaskSpec& task, const std::string& path, const RawRow& row) {
  float score = 0.0f;
  const char* end = row.label.data() + row.label.size();
  const auto [stop, error] = std::from_chars(row.label.data(), end, score);
  if (error != std::errc() || stop != end || !std::isfinite(score))
    fail("{}:{}: bad score '{}', expected a number", path, row.line, row.label);
  if (score < task.min_score || score > task.max_score)
    fail("{}:{}: score {} is outside {}'s range [{}, {}]", path, row.line, row.label, task.name,
         task.min_score, task.max_score);
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
        example.score = parse_score(task, path, row);
      else
        example.label = parse_label(task, path, row);
    }
    examples.push_back(std::move(example));
  });
  // Found here rather than after a whole training run, when the empty split is first batched.
  if (examples.empty())
    fail("{}: no examples in the {} split",
         (std::filesystem::path(folder) / task.split_file(split).file).string(), split);
  return examples;
}

TaskSpec tsv_task(std::string name, const std::string& folder) {
  TaskSpec task = tsv_task(std::move(name), std::vector<std::string>{});
  std::set<std::string, std::less<>> labels;
  visit_rows(task, folder, "train", [&](const std::string& path, const RawRow& row) {
    if (row.label.empty()) fail("{}:{}: empty label", path, row.line);
    labels.emplace(row.label);
  });
  if (labels.empty()) fail("{}: no labelled rows in the train split in '{}'", task.name, folder);
  task.label_names.assign(labels.begin(), labels.end());
  return task;
}

TaskSpec tsv_task(std::string name, std::vector<std::string> label_names) {
  // The name goes into checkpoints and tables; an empty one would leave them nameless.
  SG_CHECK(!name.empty() && name.find_first_of("\t\n") == std::string::npos,
           "tsv_task: a task needs a name without tabs or line breaks, got '{}'", name);
  TaskSpec task = glue_task("SST-2");
  task.name = std::move(name);
  task.quoting = TsvQuoting::rfc4180;
  task.label_names = std::move(label_names);
  return task;
}

}  // namespace sg::data
