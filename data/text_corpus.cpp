#include "synthgrad/data/text_corpus.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "synthgrad/core/error.h"

namespace sg::data {

namespace fs = std::filesystem;

namespace {

bool is_text_file(const fs::path& path) {
  return path.extension() == ".txt" || path.extension() == ".tokens";
}

// The files of `paths`, folders expanded; each one is checked to be readable and not empty.
std::vector<std::string> corpus_files(const std::vector<std::string>& paths) {
  SG_CHECK(!paths.empty(), "corpus: no file or folder given");
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::recursive_directory_iterator(path))
        if (entry.is_regular_file() && is_text_file(entry.path()))
          found.push_back(entry.path().string());
      SG_CHECK(!found.empty(), "corpus: folder '{}' holds no .txt or .tokens file", path);
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      SG_CHECK(fs::exists(path, error), "corpus: '{}' does not exist", path);
      files.push_back(path);
    }
  }
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in || in.peek() == std::ifstream::traits_type::eof() || in.bad())
      fail("corpus: cannot read '{}': {}", file,
           in && !in.bad() ? "the file is empty" : std::strerror(errno));
  }
  return files;
}

// "wiki.valid.tokens" -> {"wiki", "valid", "tokens"}.
bool name_has_part(const std::string& path, std::string_view part) {
  const std::string name = fs::path(path).filename().string();
  size_t start = 0;
  while (start <= name.size()) {
    const size_t dot = std::min(name.find('.', start), name.size());
    if (std::string_view(name).substr(start, dot - start) == part) return true;
    start = dot + 1;
  }
  return false;
}

// The first line start at or after byte `target`, or the file's size when no line starts there.
int64_t line_start_from(const std::string& path, int64_t target, int64_t size) {
  if (target == 0) return 0;
  std::ifstream in(path, std::ios::binary);
  in.seekg(target - 1);
  int64_t offset = target - 1;
  for (int c = in.get(); c != std::ifstream::traits_type::eof(); c = in.get(), ++offset)
    if (c == '\n') return offset + 1;
  return size;
}

CorpusSplit hold_back(const std::vector<std::string>& files, double validation_fraction) {
  SG_CHECK(validation_fraction > 0.0 && validation_fraction < 1.0,
           "corpus: validation fraction {} is outside (0, 1)", validation_fraction);
  CorpusSplit split;
  split.held_back = true;
  for (const std::string& file : files) {
    const CorpusSpan span = whole_file(file);
    const auto target = static_cast<int64_t>(
        std::floor((1.0 - validation_fraction) * static_cast<double>(span.end)));
    const int64_t cut = line_start_from(file, target, span.end);
    if (cut > 0) split.train.push_back({file, 0, cut});
    if (cut < span.end) split.validation.push_back({file, cut, span.end});
  }
  SG_CHECK(!split.train.empty(), "corpus: every line of '{}' would be held back for validation",
           files.front());
  SG_CHECK(!split.validation.empty(),
           "corpus: '{}' has no line start to hold back validation text from (one line per file?)",
           files.front());
  return split;
}

}  // namespace

CorpusSpan whole_file(const std::string& path) {
  return {path, 0, static_cast<int64_t>(fs::file_size(path))};
}

CorpusSplit find_corpus(const std::vector<std::string>& paths, double validation_fraction) {
  const std::vector<std::string> files = corpus_files(paths);
  std::vector<std::string> train_files, unnamed_files;
  CorpusSplit split;
  for (const std::string& file : files) {
    const bool train = name_has_part(file, "train"), valid = name_has_part(file, "valid"),
               test = name_has_part(file, "test");
    if (train) train_files.push_back(file);
    if (valid) split.validation.push_back(whole_file(file));
    if (test) split.test.push_back(whole_file(file));
    if (!train && !valid && !test) unnamed_files.push_back(file);
  }
  // Test files never train, and a valid file validates: without train files, the files named
  // neither train the model.
  if (train_files.empty()) train_files = unnamed_files;
  SG_CHECK(!train_files.empty(),
           "corpus: '{}' holds only valid and test files, no text to train on", paths.front());
  if (split.validation.empty()) {
    CorpusSplit held = hold_back(train_files, validation_fraction);
    held.test = std::move(split.test);
    return held;
  }
  for (const std::string& file : train_files) split.train.push_back(whole_file(file));
  return split;
}

}  // namespace sg::data
