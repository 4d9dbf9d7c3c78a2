#include "synthgrad/data/glue_tasks.h"

#include <algorithm>
#include <cctype>

#include <fmt/ranges.h>

#include "synthgrad/core/error.h"

namespace sg::data {

namespace {

std::vector<SplitFile> standard_splits() {
  return {{"train", "train.tsv", true, true},
          {"dev", "dev.tsv", true, true},
          {"test", "test.tsv", true, false}};
}

TaskSpec classification(std::string name, std::vector<std::string> labels,
                        std::vector<std::string> metrics, std::string text_a, std::string text_b,
                        std::string label) {
  TaskSpec task;
  task.name = std::move(name);
  task.label_names = std::move(labels);
  task.is_pair = !text_b.empty();
  task.metrics = std::move(metrics);
  task.splits = standard_splits();
  task.text_a_column = std::move(text_a);
  task.text_b_column = std::move(text_b);
  task.label_column = std::move(label);
  return task;
}

std::vector<TaskSpec> make_glue_tasks() {
  const std::vector<std::string> binary = {"0", "1"};
  const std::vector<std::string> entailment = {"entailment", "not_entailment"};
  std::vector<TaskSpec> tasks;

  TaskSpec cola = classification("CoLA", binary, {"mcc"}, "sentence", "", "label");
  // train.tsv and dev.tsv are the raw CoLA files, without a header; test.tsv has one.
  cola.splits = {{"train", "train.tsv", false, true},
                 {"dev", "dev.tsv", false, true},
                 {"test", "test.tsv", true, false}};
  cola.headerless_columns = {"source", "label", "mark", "sentence"};
  tasks.push_back(std::move(cola));

  tasks.push_back(classification("SST-2", binary, {"accuracy"}, "sentence", "", "label"));
  tasks.push_back(
      classification("MRPC", binary, {"f1", "accuracy"}, "#1 String", "#2 String", "Quality"));

  TaskSpec stsb =
      classification("STS-B", {}, {"pearson", "spearman"}, "sentence1", "sentence2", "score");
  stsb.is_regression = true;
  stsb.min_score = 0.0f;
  stsb.max_score = 5.0f;
  tasks.push_back(std::move(stsb));

  tasks.push_back(
      classification("QQP", binary, {"f1", "accuracy"}, "question1", "question2", "is_duplicate"));

  // The label order of the Hugging Face GLUE data sets.
  TaskSpec mnli = classification("MNLI", {"entailment", "neutral", "contradiction"}, {"accuracy"},
                                 "sentence1", "sentence2", "gold_label");
  mnli.splits = {{"train", "train.tsv", true, true},
                 {"dev_matched", "dev_matched.tsv", true, true},
                 {"dev_mismatched", "dev_mismatched.tsv", true, true},
                 {"test_matched", "test_matched.tsv", true, false},
                 {"test_mismatched", "test_mismatched.tsv", true, false}};
  tasks.push_back(std::move(mnli));

  tasks.push_back(
      classification("QNLI", entailment, {"accuracy"}, "question", "sentence", "label"));
  tasks.push_back(
      classification("RTE", entailment, {"accuracy"}, "sentence1", "sentence2", "label"));
  tasks.push_back(classification("WNLI", binary, {"accuracy"}, "sentence1", "sentence2", "label"));
  return tasks;
}

// A task name as people type it: lower-case, without GLUE's hyphen ("SST-2", "sst2", "Sst-2").
std::string name_key(std::string_view name) {
  std::string key;
  for (const char c : name)
    if (c != '-') key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

const TaskSpec* find_glue_task(std::string_view name) {
  for (const TaskSpec& task : glue_tasks())
    if (name_key(task.name) == name_key(name)) return &task;
  return nullptr;
}

const SplitFile& TaskSpec::split_file(std::string_view split) const {
  for (const SplitFile& entry : splits)
    if (entry.split == split) return entry;
  // GLUE's headline MNLI figure is the matched set, so the generic names reach it.
  if (split == "dev" || split == "test") {
    const std::string matched = std::string(split) + "_matched";
    for (const SplitFile& entry : splits)
      if (entry.split == matched) return entry;
  }
  std::vector<std::string> known;
  for (const SplitFile& entry : splits) known.push_back(entry.split);
  fail("{}: no split '{}' (splits: {})", name, split, fmt::join(known, ", "));
}

const std::vector<TaskSpec>& glue_tasks() {
  static const std::vector<TaskSpec> tasks = make_glue_tasks();
  return tasks;
}

const TaskSpec& glue_task(std::string_view name) {
  if (const TaskSpec* task = find_glue_task(name)) return *task;
  std::vector<std::string> known;
  for (const TaskSpec& task : glue_tasks()) known.push_back(task.name);
  fail("glue_task: unknown task '{}' (GLUE tasks: {})", name, fmt::join(known, ", "));
}

std::vector<std::string> texts_of(const std::vector<Example>& examples) {
  std::vector<std::string> texts;
  texts.reserve(examples.size());
  for (const Example& example : examples) {
    if (!example.text_a.empty()) texts.push_back(example.text_a);
    if (!example.text_b.empty()) texts.push_back(example.text_b);
  }
  return texts;
}

}  // namespace sg::data
