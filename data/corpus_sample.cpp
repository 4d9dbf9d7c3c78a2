#include "synthgrad/data/corpus_sample.h"

#include <algorithm>
#include <fstream>
#include <limits>

#include "synthgrad/core/error.h"
#include "synthgrad/data/corpus_reader.h"

namespace sg::data {
namespace {

int64_t total_bytes(const std::vector<CorpusSpan>& spans) {
  int64_t total = 0;
  for (const CorpusSpan& span : spans) total += span.end - span.begin;
  return total;
}

// The cursor of the first line of `spans` that starts at or after byte `offset` of their
// concatenation, or the end of its span when no line starts there.
CorpusCursor line_start_at(const std::vector<CorpusSpan>& spans, int64_t offset) {
  int64_t span = 0;
  while (offset >= spans[span].end - spans[span].begin) {
    offset -= spans[span].end - spans[span].begin;
    ++span;
  }
  const CorpusSpan& s = spans[span];
  int64_t byte = s.begin + offset;
  if (offset > 0) {
    // Skip to the byte after the line break that ends the line `byte` falls in.
    std::ifstream file(s.path, std::ios::binary);
    SG_CHECK(file.good(), "sample_lines: cannot open '{}'", s.path);
    file.seekg(byte - 1);
    file.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    byte = file.eof() ? s.end : std::min<int64_t>(s.end, static_cast<int64_t>(file.tellg()));
  }
  return {.span = span, .byte = byte, .line_start = true, .document_start = true};
}

}  // namespace

std::vector<std::string> sample_lines(const std::vector<CorpusSpan>& spans, int64_t budget_bytes,
                                      int64_t slices) {
  SG_CHECK(budget_bytes > 0 && slices > 0, "sample_lines: budget {} and slices {} must be positive",
           budget_bytes, slices);
  const int64_t total = total_bytes(spans);
  if (total == 0) return {};  // no line start to find: line_start_at would run past the spans
  // Every slice gets at least a byte of the budget (a budget under `slices` bytes took nothing).
  slices = total <= budget_bytes ? 1 : std::min(slices, budget_bytes);
  const int64_t slice_budget = total <= budget_bytes ? total : budget_bytes / slices;
  std::vector<CorpusCursor> starts;
  for (int64_t k = 0; k < slices; ++k) starts.push_back(line_start_at(spans, k * (total / slices)));
  // A slice ends where the next one starts: two slices in one long line, or a slice running into
  // the next, took the same lines twice.
  const auto before = [](const CorpusCursor& a, const CorpusCursor& b) {
    return a.span < b.span || (a.span == b.span && a.byte < b.byte);
  };
  std::vector<std::string> lines;
  CorpusReader reader(spans);
  for (int64_t k = 0; k < slices; ++k) {
    const bool last = k + 1 == slices;
    reader.seek(starts[static_cast<size_t>(k)]);
    for (int64_t taken = 0; taken < slice_budget;) {
      std::optional<CorpusLine> line = reader.next();
      if (!line || (!last && !before(line->at, starts[static_cast<size_t>(k + 1)]))) break;
      taken += static_cast<int64_t>(line->text.size()) + 1;
      lines.push_back(std::move(line->text));
    }
  }
  return lines;
}

}  // namespace sg::data
