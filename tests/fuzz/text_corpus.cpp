// A text corpus file read as pre-training reads it: find_corpus holds back its tail, then a
// CorpusReader streams both parts line by line. The first input byte picks the line-length limit
// (so that long lines come in pieces) and the held-back fraction; the rest is the file. Every line
// given is non-blank, within the limit, and read again identically from its cursor.
#include <algorithm>

#include "fuzz_input.h"
#include "synthgrad/core/error.h"
#include "synthgrad/data/corpus_reader.h"
#include "synthgrad/data/text_corpus.h"

namespace {

void read_all_lines(const std::vector<sg::data::CorpusSpan>& spans, int64_t max_line_bytes) {
  sg::data::CorpusReader reader(spans, max_line_bytes);
  sg::data::CorpusReader rereader(spans, max_line_bytes);
  while (const auto line = reader.next()) {
    FUZZ_CHECK(!line->text.empty());
    FUZZ_CHECK(std::ssize(line->text) <= max_line_bytes);
    FUZZ_CHECK(line->text.find('\n') == std::string::npos);
    rereader.seek(line->at);
    const auto again = rereader.next();
    FUZZ_CHECK(again && again->text == line->text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int64_t max_line_bytes = 4 + (data[0] & 0x3f);
  const double validation_fraction = (data[0] >> 6) * 0.25;
  const std::string path =
      sg::fuzz::write_scratch_file("corpus.txt", sg::fuzz::as_text(data + 1, size - 1));
  try {
    const sg::data::CorpusSplit split = sg::data::find_corpus({path}, validation_fraction);
    read_all_lines(split.train, max_line_bytes);
    read_all_lines(split.validation, max_line_bytes);
  } catch (const sg::Error&) {
  }
  return 0;
}
