#pragma once
// Tab-separated text, split into records and fields. GLUE's files are split on tabs and line ends
// only, quote characters being ordinary text (QQP and MNLI hold unbalanced quotes that a CSV reader
// would swallow lines with). Files written by pandas or Python's csv module quote instead a field
// holding a tab, a line end or a quote (RFC 4180 with tabs for commas).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sg::data {

enum class TsvQuoting {
  none,     // GLUE: a quote is text, a record is one line
  rfc4180,  // a field starting with '"' runs to the next lone '"'; "" inside it is one quote
};

struct TsvRow {
  int64_t line = 0;  // 1-based line where the record starts, for error messages
  std::vector<std::string> fields;
};

// The records of `text` as users' files hold them: a leading UTF-8 byte-order mark is skipped,
// "\r\n" ends a line as "\n" does, the last line may lack its newline and empty lines at the end
// are dropped. Throws an sg::Error "<source>:<line>: ..." for a quoted field that never closes or
// is followed by text.
std::vector<TsvRow> parse_tsv(std::string_view text, TsvQuoting quoting, std::string_view source);

}  // namespace sg::data
