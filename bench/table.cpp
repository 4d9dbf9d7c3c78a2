#include "bench/table.h"

#include <fmt/core.h>

#include <algorithm>
#include <stdexcept>

namespace sg::bench {

namespace {

constexpr std::string_view kIndent = "  ";
constexpr std::string_view kGap = "  ";

std::string pad(const std::string& text, size_t width, Align align) {
  return align == Align::left ? fmt::format("{:<{}}", text, width)
                              : fmt::format("{:>{}}", text, width);
}

}  // namespace

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add_row(std::vector<std::string> cells) {
  if (cells.size() != columns_.size())
    throw std::invalid_argument("Table::add_row: the row does not have one cell per column");
  rows_.push_back(std::move(cells));
}

std::vector<size_t> Table::widths() const {
  std::vector<size_t> result;
  for (const Column& column : columns_) result.push_back(column.header.size());
  for (const auto& row : rows_)
    for (size_t c = 0; c < row.size(); ++c) result[c] = std::max(result[c], row[c].size());
  return result;
}

void Table::print_cells(const std::vector<std::string>& cells,
                        const std::vector<size_t>& widths) const {
  std::string line(kIndent);
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c > 0) line += kGap;
    line += pad(cells[c], widths[c], columns_[c].align);
  }
  line.erase(line.find_last_not_of(' ') + 1);  // a left-aligned last column would leave a tail
  fmt::print("{}\n", line);
}

void Table::print() const {
  const std::vector<size_t> w = widths();
  std::vector<std::string> headers, rules;
  for (size_t c = 0; c < columns_.size(); ++c) {
    headers.push_back(columns_[c].header);
    rules.emplace_back(w[c], '-');
  }
  print_cells(headers, w);
  print_cells(rules, w);
  for (const auto& row : rows_) print_cells(row, w);
}

void print_heading(std::string_view title) {
  fmt::print("\n{}\n{}\n", title, std::string(title.size(), '='));
}

}  // namespace sg::bench
