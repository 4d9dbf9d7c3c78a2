#pragma once
// A corpus streamed line by line from CorpusSpans (text_corpus.h), never whole: memory stays at one
// read buffer and one line, and an over-long line is given in pieces. Where the reader is fits in a
// few integers, so a packer built on it can save and restore its position exactly.
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "synthgrad/data/text_corpus.h"

namespace sg::data {

// Where the next line (or the rest of a line given in pieces) starts.
struct CorpusCursor {
  int64_t span = 0;
  int64_t byte = 0;            // absolute offset in the span's file
  bool line_start = true;      // false inside a line that comes in pieces, after text of it
  bool document_start = true;  // a document begins with the next non-blank line
};

struct CorpusLine {
  std::string text;      // without the line break; never blank
  bool starts_document;  // first line of a span, or the first after a blank line
  CorpusCursor at;       // seek(at) reads this line again
};

class CorpusReader {
 public:
  // Lines longer than max_line_bytes come in pieces cut after a space or tab (else at a character
  // boundary); the pieces after the first continue the document.
  explicit CorpusReader(std::vector<CorpusSpan> spans, int64_t max_line_bytes = int64_t{1} << 20);

  // The next non-blank line, or nothing after the last span. Throws an sg::Error naming the file
  // and byte offset for a read error or text that is not UTF-8.
  std::optional<CorpusLine> next();

  CorpusCursor cursor() const { return cursor_; }
  // Continues at a cursor that cursor() or a CorpusLine gave for the same spans.
  void seek(const CorpusCursor& cursor);
  const std::vector<CorpusSpan>& spans() const { return spans_; }

 private:
  void open_at(const CorpusCursor& cursor);
  // Appends the bytes up to the next line break (dropped) or the span's end and returns true, or
  // stops after max_line_bytes + 1 bytes and returns false.
  bool read_line(std::string& line);
  // Where an over-long line is cut: after its last blank within the limit, else at a character.
  size_t piece_length(const std::string& line) const;

  std::vector<CorpusSpan> spans_;
  int64_t max_line_bytes_;
  CorpusCursor cursor_;
  std::ifstream file_;
  int64_t open_span_ = -1;  // the span whose file is open, -1 to reopen at cursor_
  int64_t offset_ = 0;      // the file offset of buffer_[buffer_used_]
  std::vector<char> buffer_;
  size_t buffer_used_ = 0, buffer_filled_ = 0;
};

}  // namespace sg::data
