// The GLUE and TSV readers on arbitrary file content. The first input byte picks the task (a GLUE
// task or, past the nine, a task in the SST-2 format with quoted fields); the rest is the task's
// train file. Every example read has a label of the task, or a score for a regression task.
#include <cmath>

#include "fuzz_input.h"
#include "synthgrad/core/error.h"
#include "synthgrad/data/glue_reader.h"
#include "synthgrad/data/glue_tasks.h"

namespace {

sg::data::TaskSpec task_for(uint8_t selector, const std::string& folder) {
  const auto& tasks = sg::data::glue_tasks();
  if (selector < tasks.size()) return tasks[selector];
  return sg::data::tsv_task("custom", folder);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string& folder = sg::fuzz::scratch_folder();
  const uint8_t selector = data[0] % (sg::data::glue_tasks().size() + 1);
  const std::string_view content = sg::fuzz::as_text(data + 1, size - 1);
  const std::string file = selector < sg::data::glue_tasks().size()
                               ? sg::data::glue_tasks()[selector].split_file("train").file
                               : std::string("train.tsv");
  sg::fuzz::write_scratch_file(file, content);
  try {
    const sg::data::TaskSpec task = task_for(selector, folder);
    for (const sg::data::Example& example : sg::data::read_split(task, folder, "train")) {
      FUZZ_CHECK(example.has_label);
      if (task.is_regression)
        FUZZ_CHECK(std::isfinite(example.score));
      else
        FUZZ_CHECK(example.label >= 0 && example.label < task.num_labels());
    }
  } catch (const sg::Error&) {
  }
  return 0;
}
