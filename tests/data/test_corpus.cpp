#include <doctest/doctest.h>

#include <filesystem>

#include "fixtures.h"
#include "synthgrad/data/corpus_reader.h"
#include "synthgrad/data/text_corpus.h"
#include "synthgrad/data/utf8.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;
using sg::testing::TempFolder;

namespace {

struct Line {
  std::string text;
  bool starts_document;
  bool operator==(const Line&) const = default;
};

std::vector<Line> read_all(CorpusReader& reader) {
  std::vector<Line> lines;
  while (std::optional<CorpusLine> line = reader.next())
    lines.push_back({line->text, line->starts_document});
  return lines;
}

std::vector<std::string> paths_of(const std::vector<CorpusSpan>& spans) {
  std::vector<std::string> paths;
  for (const CorpusSpan& span : spans) paths.push_back(span.path);
  return paths;
}

}  // namespace

TEST_CASE("a single file holds back its tail from the next line start") {
  TempFolder dir;
  // Lines start at bytes 0, 5, 10 and 15 of 20.
  const std::string file = dir.write("book.txt", "aaaa\nbbbb\ncccc\ndddd\n");
  for (const auto& [fraction, cut] :
       std::vector<std::pair<double, int64_t>>{{0.25, 15}, {0.3, 15}, {0.5, 10}, {0.6, 10}}) {
    const auto& fraction_value = fraction;  // clang 14 cannot capture a structured binding
    INFO(fraction_value);
    const CorpusSplit split = find_corpus({file}, fraction);
    CHECK(split.held_back);
    REQUIRE(split.train.size() == 1);
    REQUIRE(split.validation.size() == 1);
    CHECK(split.train[0].begin == 0);
    CHECK(split.train[0].end == cut);
    CHECK(split.validation[0].begin == cut);
    CHECK(split.validation[0].end == 20);
  }
}

TEST_CASE("a folder of text files is read in name order, sub-folders included") {
  TempFolder dir;
  std::filesystem::create_directory(dir.file("part2"));
  dir.write("b.txt", "b1\nb2\n");
  dir.write("a.txt", "a1\na2\n");
  dir.write("part2/c.txt", "c1\nc2\n");
  dir.write("notes.md", "not text of the corpus\n");
  const CorpusSplit split = find_corpus({dir.path.string()}, 0.5);
  CHECK(paths_of(split.train) ==
        std::vector<std::string>{dir.file("a.txt"), dir.file("b.txt"), dir.file("part2/c.txt")});
  CHECK(paths_of(split.validation) == paths_of(split.train));
  // Several paths: each in the order given.
  const CorpusSplit two = find_corpus({dir.file("b.txt"), dir.file("a.txt")}, 0.5);
  CHECK(paths_of(two.train) == std::vector<std::string>{dir.file("b.txt"), dir.file("a.txt")});
}

TEST_CASE("WikiText and PTB folders validate on their valid file and name their test file") {
  for (const std::string prefix : {"wiki.", "ptb.", ""}) {
    const std::string extension = prefix == "wiki." ? ".tokens" : ".txt";
    INFO(prefix);
    TempFolder dir;
    const std::string train = dir.write(prefix + "train" + extension, "t\n");
    const std::string valid = dir.write(prefix + "valid" + extension, "v\n");
    const std::string test = dir.write(prefix + "test" + extension, "x\n");
    const CorpusSplit split = find_corpus({dir.path.string()});
    CHECK_FALSE(split.held_back);
    CHECK(paths_of(split.train) == std::vector<std::string>{train});
    CHECK(paths_of(split.validation) == std::vector<std::string>{valid});
    CHECK(paths_of(split.test) == std::vector<std::string>{test});
    CHECK(split.train[0].end == 2);
  }
  TempFolder dir;
  // Train files without a valid file have their tails held back; the test file and the others
  // are left out ("training" and "valid-notes" are not the parts "train" and "valid").
  const std::string train = dir.write("wiki.train.tokens", "one\ntwo\n");
  const std::string test = dir.write("wiki.test.tokens", "test\n");
  dir.write("training.valid-notes.txt", "n\n");
  const CorpusSplit split = find_corpus({dir.path.string()}, 0.5);
  CHECK(split.held_back);
  CHECK(paths_of(split.train) == std::vector<std::string>{train});
  CHECK(paths_of(split.validation) == std::vector<std::string>{train});
  CHECK(split.train[0].end == 4);
  CHECK(paths_of(split.test) == std::vector<std::string>{test});
}

TEST_CASE("without train files, test files never train and a valid file validates") {
  TempFolder dir;
  const std::string books = dir.write("books.txt", "one\ntwo\n");
  const std::string test = dir.write("ptb.test.txt", "secret test words\n");
  const CorpusSplit held = find_corpus({dir.path.string()}, 0.5);
  CHECK(held.held_back);
  CHECK(paths_of(held.train) == std::vector<std::string>{books});
  CHECK(paths_of(held.test) == std::vector<std::string>{test});
  const std::string valid = dir.write("valid.txt", "v\n");
  const CorpusSplit named = find_corpus({dir.path.string()}, 0.5);
  CHECK_FALSE(named.held_back);
  CHECK(paths_of(named.train) == std::vector<std::string>{books});
  CHECK(paths_of(named.validation) == std::vector<std::string>{valid});
  std::filesystem::remove(books);
  CHECK(error_message([&] { find_corpus({dir.path.string()}); }) ==
        fmt::format("corpus: '{}' holds only valid and test files, no text to train on",
                    dir.path.string()));
}

TEST_CASE("missing, empty and text-less corpus paths are errors naming the path") {
  TempFolder dir;
  CHECK(error_message([&] { find_corpus({dir.file("nope.txt")}); }) ==
        fmt::format("corpus: '{}' does not exist", dir.file("nope.txt")));
  const std::string empty = dir.write("empty.txt", "");
  CHECK(error_message([&] { find_corpus({empty}); }) ==
        fmt::format("corpus: cannot read '{}': the file is empty", empty));
  std::filesystem::create_directory(dir.file("none"));
  dir.write("none/a.csv", "x\n");
  CHECK(error_message([&] { find_corpus({dir.file("none")}); }) ==
        fmt::format("corpus: folder '{}' holds no .txt or .tokens file", dir.file("none")));
  const std::string one_line = dir.write("one.txt", "no line break at all");
  CHECK(error_message([&] { find_corpus({one_line}); }).find("no line start to hold back") !=
        std::string::npos);
  CHECK(error_message([&] { find_corpus({one_line}, 1.0); }).find("outside (0, 1)") !=
        std::string::npos);
}

TEST_CASE("the reader gives non-blank lines and marks where documents start") {
  TempFolder dir;
  const std::string a = dir.write("a.txt", "first line\r\nsecond\n\n  \t\nthird\nlast, no break");
  const std::string b = dir.write("b.txt", "\nother file\n");
  CorpusReader reader({whole_file(a), whole_file(b)});
  CHECK(read_all(reader) == std::vector<Line>{{"first line", true},
                                              {"second", false},
                                              {"third", true},
                                              {"last, no break", false},
                                              {"other file", true}});
  CHECK_FALSE(reader.next().has_value());
}

TEST_CASE("the reader stops at a span's end") {
  TempFolder dir;
  const std::string a = dir.write("a.txt", "one\ntwo\nthree\n");
  CorpusReader head({{a, 0, 8}});
  CHECK(read_all(head) == std::vector<Line>{{"one", true}, {"two", false}});
  CorpusReader tail({{a, 8, 14}});
  CHECK(read_all(tail) == std::vector<Line>{{"three", true}});
}

TEST_CASE("an over-long line comes in pieces cut after a blank or between characters") {
  TempFolder dir;
  // "a" and five two-byte characters: 8 bytes would end inside the fourth.
  const std::string accents = "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
  const std::string a = dir.write("a.txt", "aaaa bbbb cccccccccccc   \nx\n" + accents + "\n");
  CorpusReader reader({whole_file(a)}, 8);
  CHECK(read_all(reader) == std::vector<Line>{{"aaaa ", true},
                                              {"bbbb ", false},
                                              {"cccccccc", false},
                                              {"cccc   ", false},
                                              {"x", false},
                                              {accents.substr(0, 7), false},
                                              {accents.substr(7), false}});
}

TEST_CASE("an over-long indented line continues its document, an over-long blank line ends it") {
  TempFolder dir;
  // The first piece of the indented line is its two blanks alone: not a blank line.
  const std::string a =
      dir.write("a.txt", "one\n  abcdefghijk\ntwo\n" + std::string(20, ' ') + "\nthree\n");
  CorpusReader reader({whole_file(a)}, 8);
  CHECK(read_all(reader) ==
        std::vector<Line>{
            {"one", true}, {"abcdefgh", false}, {"ijk", false}, {"two", false}, {"three", true}});
}

TEST_CASE("a byte-order mark at the start of a file is not text, also on a line cut in pieces") {
  TempFolder dir;
  const std::string a = dir.write("a.txt", "\xef\xbb\xbfhello world\nhello\n");
  CorpusReader whole({whole_file(a)});
  CHECK(read_all(whole) == std::vector<Line>{{"hello world", true}, {"hello", false}});
  // Pieces of at most 8 bytes: the mark's 3 bytes are read, then dropped, and nothing is read
  // twice.
  CorpusReader pieces({whole_file(a)}, 8);
  CHECK(read_all(pieces) ==
        std::vector<Line>{{"hello", true}, {" world", false}, {"hello", false}});
  const std::string b = dir.write("b.txt", "\xef\xbb\xbf\nnext\n");  // the mark alone: a blank line
  CorpusReader blank({whole_file(b)});
  CHECK(read_all(blank) == std::vector<Line>{{"next", true}});
}

TEST_CASE("a line one byte over the limit comes in pieces too, with or without a CR") {
  TempFolder dir;
  const std::string a = dir.write("a.txt", "abcde\nvwxyz\r\nfghi\r\njklmn");
  CorpusReader reader({whole_file(a)}, 4);
  CHECK(read_all(reader) == std::vector<Line>{{"abcd", true},
                                              {"e", false},
                                              {"vwxy", false},
                                              {"z", false},
                                              {"fghi", false},
                                              {"jklm", false},
                                              {"n", false}});
}

TEST_CASE("seeking to a cursor reads on exactly as before") {
  TempFolder dir;
  // With 6 bytes a line, "four    " comes as "four  " and a blank rest that starts no document.
  const std::string a = dir.write("a.txt", "one two three four    \nfive\n\nsix seven\n");
  const std::string b = dir.write("b.txt", "eight\n");
  const std::vector<CorpusSpan> spans{whole_file(a), {b, 0, 6}};
  CorpusReader reader(spans, 6);
  std::vector<Line> lines;
  // Each line's own cursor, and the reader's cursor after it.
  std::vector<CorpusCursor> at, after;
  while (std::optional<CorpusLine> line = reader.next()) {
    lines.push_back({line->text, line->starts_document});
    at.push_back(line->at);
    after.push_back(reader.cursor());
  }
  REQUIRE(lines == std::vector<Line>{{"one ", true},
                                     {"two ", false},
                                     {"three ", false},
                                     {"four  ", false},
                                     {"five", false},
                                     {"six ", true},
                                     {"seven", false},
                                     {"eight", true}});
  for (size_t k = 0; k < lines.size(); ++k) {
    INFO(k);
    for (const auto& [cursor, first] : {std::pair{at[k], k}, std::pair{after[k], k + 1}}) {
      CorpusReader resumed(spans, 6);
      resumed.seek(cursor);
      const std::vector<Line> rest = read_all(resumed);
      CHECK(rest ==
            std::vector<Line>(lines.begin() + static_cast<std::ptrdiff_t>(first), lines.end()));
    }
  }
}

TEST_CASE("text that is not UTF-8 is an error naming the file and byte") {
  TempFolder dir;
  const std::string a = dir.write("a.txt", "fine\nbad \xff byte\n");
  CorpusReader reader({{a, 0, 16}});
  CHECK(reader.next()->text == "fine");
  CHECK(error_message([&] { reader.next(); }) ==
        fmt::format("corpus: '{}' is not UTF-8 text at byte 9", a));
}

TEST_CASE("the byte offset of text that is not UTF-8 counts a byte-order mark") {
  TempFolder dir;
  const std::string a = dir.write("a.txt",
                                  "\xef\xbb\xbf"
                                  "ab\xff\n");
  CorpusReader reader({whole_file(a)});
  CHECK(error_message([&] { reader.next(); }) ==
        fmt::format("corpus: '{}' is not UTF-8 text at byte 5", a));
}

TEST_CASE("UTF-8: only the shortest form of a code point up to U+10FFFF, no surrogates") {
  CHECK(first_invalid_utf8("plain, \xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80") ==
        std::string_view::npos);
  CHECK(first_invalid_utf8("\xf4\x8f\xbf\xbf") == std::string_view::npos);  // U+10FFFF
  CHECK(first_invalid_utf8("a\xc0\x80") == 1);                              // NUL, overlong
  CHECK(first_invalid_utf8("ab\xe0\x80\xaf") == 2);                         // '/', overlong
  CHECK(first_invalid_utf8("\xc1\xbf") == 0);                               // U+007F, overlong
  CHECK(first_invalid_utf8("\xe0\x9f\xbf") == 0);                           // U+07FF, overlong
  CHECK(first_invalid_utf8("\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80") ==  // U+0080, U+0800, U+10000
        std::string_view::npos);
  CHECK(first_invalid_utf8("\xf0\x8f\xbf\xbf") == 0);  // U+FFFF, overlong
  CHECK(first_invalid_utf8("\xed\xa0\x80") == 0);      // a surrogate
  CHECK(first_invalid_utf8("\xf4\x90\x80\x80") == 0);  // above U+10FFFF
  CHECK(first_invalid_utf8("\xf5\x80\x80\x80") == 0);
}
