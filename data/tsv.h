#pragma once
// Tab-separated text exactly as GLUE writes it: fields are split on tabs only and quote characters
// are ordinary text (GLUE files hold unbalanced quotes that a CSV reader would swallow lines with).
#include <cstdint>
#include <string_view>
#include <vector>

namespace sg::data {

struct TsvRow {
  int64_t line = 0;                      // 1-based, for error messages
  std::vector<std::string_view> fields;  // views into the parsed text
};

// One row per line; a trailing '\r' (Windows line ends) is dropped and a final newline does not
// start an empty row.
std::vector<TsvRow> parse_tsv(std::string_view text);

}  // namespace sg::data
