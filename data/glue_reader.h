#pragma once
// Reads GLUE splits from the files the standard GLUE download produces.
#include <string>
#include <string_view>
#include <vector>

#include "synthgrad/data/glue_tasks.h"

namespace sg::data {

// The examples of `split` ("train", "dev", "test", MNLI's "dev_mismatched"...) from `folder`, the
// task's folder of the GLUE download (glue_data/SST-2). Throws an sg::Error naming the task and the
// path for a missing file, and the file and 1-based line for a malformed line (wrong column count,
// unknown label, bad score; a quoted record spanning lines is named by its first line), a header
// without a needed column or a file without a header line.
std::vector<Example> read_split(const TaskSpec& task, const std::string& folder,
                                std::string_view split);

// A classification task in the SST-2 format (`sentence<TAB>label` with a header in train.tsv,
// dev.tsv and test.tsv, other columns ignored) with any non-empty label strings: label_names are
// the distinct labels of the train split, sorted as strings. Its fields may be quoted as pandas and
// Python's csv module quote them (TsvQuoting::rfc4180). The project's embedded default data set is
// written in this format.
TaskSpec tsv_task(std::string name, const std::string& folder);
// The same task with known label names, such as a checkpoint saved: reads no file.
TaskSpec tsv_task(std::string name, std::vector<std::string> label_names);

}  // namespace sg::data
