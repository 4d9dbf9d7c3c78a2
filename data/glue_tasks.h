#pragma once
// GLUE tasks as the standard GLUE download lays them out: one tab-separated file per split, columns
// found by header name (CoLA's train and dev files have no header, so their columns are fixed).
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "synthgrad/data/tsv.h"

namespace sg::data {

// One sentence or sentence pair with its gold label when the split has one.
struct Example {
  std::string text_a;
  std::string text_b;      // empty for single-sentence tasks
  int64_t label = -1;      // index into TaskSpec::label_names (classification)
  float score = 0.0f;      // the target of a regression task (STS-B)
  bool has_label = false;  // false on test splits
};

struct SplitFile {
  std::string split;  // "train", "dev", "test", MNLI's "dev_matched"...
  std::string file;   // relative to the task folder
  bool has_header = true;
  bool has_labels = true;
};

struct TaskSpec {
  std::string name;                      // "SST-2"
  std::vector<std::string> label_names;  // as written in the files; empty for regression
  bool is_regression = false;
  // Regression: the scores a file may hold (STS-B's run from 0 to 5); a score outside is an error.
  float min_score = -std::numeric_limits<float>::max(),
        max_score = std::numeric_limits<float>::max();
  bool is_pair = false;
  std::vector<std::string> metrics;  // "accuracy", "f1", "mcc", "pearson", "spearman"
  std::vector<SplitFile> splits;
  // Header names of the fields; text_b_column is empty for single-sentence tasks.
  std::string text_a_column, text_b_column, label_column;
  // The column names of splits without a header line (CoLA train and dev).
  std::vector<std::string> headerless_columns;
  // GLUE's own files are never quoted; files users write with pandas or csv are.
  TsvQuoting quoting = TsvQuoting::none;

  // The split's file entry; MNLI's "dev" and "test" mean the matched sets, as GLUE's MNLI-m.
  const SplitFile& split_file(std::string_view split) const;
  int64_t num_labels() const { return static_cast<int64_t>(label_names.size()); }
};

// CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI.
const std::vector<TaskSpec>& glue_tasks();
// By name, ignoring case and GLUE's hyphen ("sst-2", "sst2", "STS-B"), or null for another name.
const TaskSpec* find_glue_task(std::string_view name);
// The same, throwing a message that lists the known names.
const TaskSpec& glue_task(std::string_view name);

// Every non-empty text_a and text_b, in order: what a tokenizer's vocabulary is built from.
std::vector<std::string> texts_of(const std::vector<Example>& examples);

}  // namespace sg::data
