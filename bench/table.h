#pragma once
// Plain-text tables whose column widths follow the widest cell, so callers never pad by hand.
#include <string>
#include <string_view>
#include <vector>

namespace sg::bench {

enum class Align { left, right };

struct Column {
  std::string header;
  Align align = Align::right;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns);
  void add_row(std::vector<std::string> cells);  // one cell per column
  void print() const;                            // to stdout

 private:
  std::vector<size_t> widths() const;
  void print_cells(const std::vector<std::string>& cells, const std::vector<size_t>& widths) const;

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// A blank line and an underlined title, to separate the sections of a report.
void print_heading(std::string_view title);

}  // namespace sg::bench
