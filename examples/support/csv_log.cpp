#include "examples/support/csv_log.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "synthgrad/core/error.h"

namespace sg::examples {

namespace {

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) out.push_back(cell);
  return out;
}

// The bytes of the log at `path` that come before its first row with a step after `step`.
std::uintmax_t bytes_through_step(const std::string& path, int64_t step) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);  // the header
  std::uintmax_t kept = line.size() + 1;
  while (std::getline(in, line)) {
    const double row_step = std::strtod(line.c_str(), nullptr);
    if (row_step > static_cast<double>(step)) break;
    kept += line.size() + 1;
  }
  return kept;
}

}  // namespace

CsvLog::CsvLog(const std::string& path, std::vector<std::string> columns, int64_t from_step)
    : path_(path), columns_(std::move(columns)) {
  const std::string header = fmt::format("{}", fmt::join(columns_, ","));
  std::string existing;
  if (std::ifstream in(path); in) std::getline(in, existing);
  const bool append = existing == header;
  if (append) {
    std::error_code error;
    const std::uintmax_t kept = bytes_through_step(path, from_step);
    if (kept < std::filesystem::file_size(path, error))
      std::filesystem::resize_file(path, kept, error);
    SG_CHECK(!error, "CsvLog: cannot drop the rows after step {} of '{}': {}", from_step, path,
             error.message());
  }
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
  SG_CHECK(file_ != nullptr, "CsvLog: cannot open '{}' for writing", path);
  if (!append) fmt::print(file_, "{}\n", header);
  std::fflush(file_);
}

CsvLog::~CsvLog() {
  if (file_) std::fclose(file_);
}

void CsvLog::write(const std::vector<double>& values) {
  SG_CHECK(values.size() == columns_.size(), "CsvLog '{}': {} values for {} columns", path_,
           values.size(), columns_.size());
  // Whole numbers (steps, epochs, counts) in full: at 6 digits, step 1234561 read back as 1234560
  // and a resume kept the wrong rows.
  std::string row;
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    const bool whole = std::abs(v) < 1e15 && v == std::floor(v);
    if (i > 0) row += ',';
    row += whole ? fmt::format("{:.0f}", v) : fmt::format("{:.6g}", v);
  }
  row += '\n';
  // A full disk shows only at the flush; a log that silently stops growing would hide it.
  const bool written = std::fwrite(row.data(), 1, row.size(), file_) == row.size();
  SG_CHECK(std::fflush(file_) == 0 && written, "CsvLog: cannot write to '{}': {}", path_,
           std::strerror(errno));
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path);
  SG_CHECK(in.good(), "read_csv: cannot open '{}'", path);
  CsvTable table;
  std::string line;
  SG_CHECK(static_cast<bool>(std::getline(in, line)), "read_csv '{}': the file is empty", path);
  table.columns = split_commas(line);
  for (int64_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto cells = split_commas(line);
    SG_CHECK(cells.size() == table.columns.size(), "read_csv '{}' line {}: {} cells for {} columns",
             path, number, cells.size(), table.columns.size());
    std::vector<double> row;
    for (const auto& c : cells) {
      try {
        row.push_back(c == "nan" ? NAN : std::stod(c));
      } catch (const std::exception&) {
        fail("read_csv '{}' line {}: '{}' is not a number", path, number, c);
      }
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace sg::examples
