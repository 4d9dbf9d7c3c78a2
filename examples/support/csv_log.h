#pragma once
// A metrics log as CSV: a header, then one flushed row per record, so a crash loses nothing.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace sg::examples {

class CsvLog {
 public:
  // Appends to an existing log with the same header (a resumed run), else starts a new file. The
  // first column is the step: rows after `from_step` go (the steps a resumed run does again, after
  // a run went on past its last checkpoint and failed).
  CsvLog(const std::string& path, std::vector<std::string> columns, int64_t from_step = INT64_MAX);
  ~CsvLog();
  CsvLog(const CsvLog&) = delete;
  CsvLog& operator=(const CsvLog&) = delete;

  void write(const std::vector<double>& values);  // one value per column
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::FILE* file_ = nullptr;
};

// Reads a log written by CsvLog: the header and the rows. Throws naming the file and line.
struct CsvTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
};
CsvTable read_csv(const std::string& path);

}  // namespace sg::examples
