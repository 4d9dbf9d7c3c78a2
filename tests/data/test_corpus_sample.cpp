#include <doctest/doctest.h>

#include <fmt/core.h>

#include <algorithm>

#include "fixtures.h"
#include "synthgrad/data/corpus_sample.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;
using sg::testing::TempFolder;

namespace {

// Lines "line 0000" .. of 10 bytes each with their line break.
std::string numbered_lines(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += fmt::format("line {:04}\n", i);
  return text;
}

}  // namespace

TEST_CASE("a corpus within the budget is sampled whole") {
  TempFolder dir;
  const std::string a = dir.write("a.txt", "one\n\ntwo\n"), b = dir.write("b.txt", "three\n");
  CHECK(sample_lines({whole_file(a), whole_file(b)}, 1000) ==
        std::vector<std::string>{"one", "two", "three"});
}

TEST_CASE("a larger corpus gives whole lines from evenly spaced places within the budget") {
  TempFolder dir;
  const std::string file = dir.write("c.txt", numbered_lines(1000));  // 10000 bytes
  // 4 slices at bytes 0, 2500, 5000, 7500; 50 bytes (5 lines) from each, from the next line start.
  const std::vector<std::string> lines = sample_lines({whole_file(file)}, 200, 4);
  std::vector<std::string> expected;
  for (int first : {0, 250, 500, 750})
    for (int i = first; i < first + 5; ++i) expected.push_back(fmt::format("line {:04}", i));
  CHECK(lines == expected);
  // A place inside a line starts at the next one.
  const std::vector<std::string> shifted = sample_lines({whole_file(file)}, 30, 3);
  CHECK(shifted == std::vector<std::string>{"line 0000", "line 0334", "line 0667"});
}

TEST_CASE("samples cross from one span to the next") {
  TempFolder dir;
  const std::string a = dir.write("a.txt", numbered_lines(10)),
                    b = dir.write("b.txt", numbered_lines(10));
  // 200 bytes in 2 slices: bytes 0 and 100, the start of b.txt.
  const std::vector<std::string> lines = sample_lines({whole_file(a), whole_file(b)}, 40, 2);
  CHECK(lines == std::vector<std::string>{"line 0000", "line 0001", "line 0000", "line 0001"});
}

TEST_CASE("sample_lines refuses a budget of nothing") {
  TempFolder dir;
  const std::string file = dir.write("c.txt", "text\n");
  CHECK(error_message([&] { sample_lines({whole_file(file)}, 0); }).find("budget 0") !=
        std::string::npos);
}

TEST_CASE("slices never take a line twice, and a budget under the slice count still samples") {
  TempFolder dir;
  // A 250-byte line, then 15 short ones: slices 0 and 1 both began in or right after the long
  // line, and the first ran on into the second's lines.
  const std::string file = dir.write("d.txt", std::string(250, 'x') + "\n" + numbered_lines(15));
  const std::vector<std::string> lines = sample_lines({whole_file(file)}, 100, 4);
  std::vector<std::string> sorted = lines;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  CHECK(!lines.empty());
  // 63 bytes over 64 slices gave every slice 0 bytes, and so no line at all.
  const std::string big = dir.write("e.txt", numbered_lines(100));
  CHECK_FALSE(sample_lines({whole_file(big)}, 63, 64).empty());
}

TEST_CASE("a corpus without bytes gives no lines") {
  CHECK(sample_lines({}, 1000).empty());
  TempFolder dir;
  const std::string file = dir.write("a.txt", "one\n");
  CHECK(sample_lines({CorpusSpan{file, 2, 2}}, 1000).empty());
}
