#include "synthgrad/data/corpus_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "synthgrad/core/error.h"
#include "synthgrad/data/files.h"
#include "synthgrad/data/utf8.h"

namespace sg::data {

namespace {

constexpr size_t kBufferBytes = size_t{1} << 16;

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

CorpusReader::CorpusReader(std::vector<CorpusSpan> spans, int64_t max_line_bytes)
    : spans_(std::move(spans)), max_line_bytes_(max_line_bytes), buffer_(kBufferBytes) {
  SG_CHECK(max_line_bytes_ >= 4, "CorpusReader: max_line_bytes {} is below one character",
           max_line_bytes_);
  if (!spans_.empty()) cursor_.byte = spans_.front().begin;
}

void CorpusReader::seek(const CorpusCursor& cursor) {
  const auto spans = static_cast<int64_t>(spans_.size());
  SG_CHECK(cursor.span >= 0 && cursor.span <= spans, "CorpusReader::seek: span {} of {}",
           cursor.span, spans);
  if (cursor.span < spans) {
    const CorpusSpan& span = spans_[static_cast<size_t>(cursor.span)];
    SG_CHECK(cursor.byte >= span.begin && cursor.byte <= span.end,
             "CorpusReader::seek: byte {} is outside [{}, {}] of '{}'", cursor.byte, span.begin,
             span.end, span.path);
  }
  cursor_ = cursor;
  open_span_ = -1;
}

void CorpusReader::open_at(const CorpusCursor& cursor) {
  const std::string& path = spans_[static_cast<size_t>(cursor.span)].path;
  file_.close();
  file_.clear();
  file_.open(path, std::ios::binary);
  if (!file_) fail("corpus: cannot read '{}': {}", path, std::strerror(errno));
  file_.seekg(cursor.byte);
  offset_ = cursor.byte;
  buffer_used_ = buffer_filled_ = 0;
  open_span_ = cursor.span;
}

bool CorpusReader::read_line(std::string& line) {
  const CorpusSpan& span = spans_[static_cast<size_t>(open_span_)];
  while (offset_ < span.end) {
    if (buffer_used_ == buffer_filled_) {
      file_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
      buffer_filled_ = static_cast<size_t>(file_.gcount());
      buffer_used_ = 0;
      if (file_.bad()) fail("corpus: cannot read '{}': read error at byte {}", span.path, offset_);
      SG_CHECK(buffer_filled_ > 0, "corpus: '{}' ends at byte {}, before {} (changed meanwhile?)",
               span.path, offset_, span.end);
    }
    const auto available = static_cast<size_t>(
        std::min<int64_t>(static_cast<int64_t>(buffer_filled_ - buffer_used_), span.end - offset_));
    const char* first = buffer_.data() + buffer_used_;
    const char* newline = std::find(first, first + available, '\n');
    const auto room = static_cast<size_t>(max_line_bytes_ + 1) - line.size();
    const size_t take = std::min(static_cast<size_t>(newline - first), room);
    line.append(first, take);
    const bool at_newline = take < available && first + take == newline;
    const size_t consumed = take + (at_newline ? 1 : 0);
    buffer_used_ += consumed;
    offset_ += static_cast<int64_t>(consumed);
    if (at_newline) return true;
    if (line.size() > static_cast<size_t>(max_line_bytes_)) return false;
  }
  return true;
}

size_t CorpusReader::piece_length(const std::string& line) const {
  const auto limit = static_cast<size_t>(max_line_bytes_);
  const size_t blank = line.find_last_of(" \t", limit - 1);
  if (blank != std::string::npos) return blank + 1;
  size_t length = limit;
  while (length > 0 && (static_cast<unsigned char>(line[length]) & 0xC0) == 0x80) --length;
  return length > 0 ? length : limit;
}

std::optional<CorpusLine> CorpusReader::next() {
  while (cursor_.span < static_cast<int64_t>(spans_.size())) {
    const CorpusSpan& span = spans_[static_cast<size_t>(cursor_.span)];
    if (cursor_.byte >= span.end) {
      const auto next_span = static_cast<size_t>(cursor_.span + 1);
      cursor_ = {.span = cursor_.span + 1,
                 .byte = next_span < spans_.size() ? spans_[next_span].begin : 0};
      continue;
    }
    if (open_span_ != cursor_.span) open_at(cursor_);
    const CorpusCursor at = cursor_;
    std::string line;
    bool whole_line = read_line(line);
    if (whole_line && !line.empty() && line.back() == '\r') line.pop_back();
    // read_line stops one byte past the limit, so a line of exactly that many bytes comes whole.
    whole_line = whole_line && line.size() <= static_cast<size_t>(max_line_bytes_);
    if (whole_line) {
      cursor_ = {.span = at.span, .byte = offset_, .document_start = at.document_start};
    } else {
      line.resize(piece_length(line));
      cursor_ = {.span = at.span,
                 .byte = at.byte + static_cast<int64_t>(line.size()),
                 .line_start = false,
                 .document_start = at.document_start};
      open_span_ = -1;  // the rest of the line was read past; read it again from the cut
    }
    // After the cursor is set: the mark's bytes were read, they are just not text.
    const bool marked = at.byte == 0 && line.starts_with(kByteOrderMark);
    if (marked) line.erase(0, kByteOrderMark.size());
    if (std::all_of(line.begin(), line.end(), is_blank)) {
      // A blank line ends a document; blanks left at the end of a long line do not. Blank first
      // pieces (an indent) tell nothing yet: the line is blank only if its last piece is too.
      if (at.line_start && whole_line) cursor_.document_start = true;
      if (at.line_start && !whole_line) cursor_.line_start = true;
      continue;
    }
    const size_t bad = first_invalid_utf8(line);
    SG_CHECK(bad == std::string::npos, "corpus: '{}' is not UTF-8 text at byte {}", span.path,
             at.byte + static_cast<int64_t>(bad + (marked ? kByteOrderMark.size() : 0)));
    cursor_.document_start = false;
    return CorpusLine{std::move(line), at.document_start, at};
  }
  return std::nullopt;
}

}  // namespace sg::data
