#include "synthgrad/data/tsv.h"

#include <algorithm>

#include "synthgrad/core/error.h"
#include "synthgrad/data/files.h"

namespace sg::data {

namespace {

class TsvParser {
 public:
  TsvParser(std::string_view text, TsvQuoting quoting, std::string_view source)
      : text_(text), quoting_(quoting), source_(source) {
    text_ = without_byte_order_mark(text_);
  }

  std::vector<TsvRow> rows() {
    std::vector<TsvRow> rows;
    while (pos_ < text_.size()) rows.push_back(record());
    while (!rows.empty() && is_blank_line(rows.back())) rows.pop_back();
    return rows;
  }

 private:
  static bool is_blank_line(const TsvRow& row) {
    return row.fields.size() == 1 && row.fields[0].empty();
  }

  TsvRow record() {
    TsvRow row{line_, {}};
    for (;;) {
      const bool quoted =
          quoting_ == TsvQuoting::rfc4180 && pos_ < text_.size() && text_[pos_] == '"';
      row.fields.push_back(quoted ? quoted_field(row.line) : plain_field());
      if (pos_ < text_.size() && text_[pos_] == '\t') {
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ < text_.size()) {  // at the '\n'
      ++pos_;
      ++line_;
    }
    return row;
  }

  // Up to the next tab or line end, without the '\r' of a "\r\n".
  std::string plain_field() {
    size_t end = text_.find_first_of("\t\n", pos_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view field = text_.substr(pos_, end - pos_);
    pos_ = end;
    if (at_line_end() && field.ends_with('\r')) field.remove_suffix(1);
    return std::string(field);
  }

  std::string quoted_field(int64_t record_line) {
    std::string field;
    ++pos_;  // the opening quote
    for (;;) {
      const size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos)
        fail("{}:{}: a quoted field opened in this record never closes", source_, record_line);
      const std::string_view piece = text_.substr(pos_, quote - pos_);
      line_ += std::count(piece.begin(), piece.end(), '\n');
      field += piece;
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        field += '"';
        ++pos_;
        continue;
      }
      break;
    }
    if (text_.substr(pos_) == "\r" || text_.substr(pos_).starts_with("\r\n")) ++pos_;
    if (pos_ < text_.size() && text_[pos_] != '\t' && text_[pos_] != '\n')
      fail("{}:{}: text after the closing quote of a quoted field (quotes inside one are doubled)",
           source_, record_line);
    return field;
  }

  bool at_line_end() const { return pos_ == text_.size() || text_[pos_] == '\n'; }

  std::string_view text_;
  TsvQuoting quoting_;
  std::string_view source_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

}  // namespace

std::vector<TsvRow> parse_tsv(std::string_view text, TsvQuoting quoting, std::string_view source) {
  return TsvParser(text, quoting, source).rows();
}

}  // namespace sg::data
