#include <doctest/doctest.h>

#include "support/error_message.h"
#include "synthgrad/data/tsv.h"

using namespace sg::data;
using sg::testing::error_message;

namespace {

using Fields = std::vector<std::string>;

std::vector<Fields> fields_of(std::string_view text, TsvQuoting quoting) {
  std::vector<Fields> fields;
  for (const TsvRow& row : parse_tsv(text, quoting, "f.tsv")) fields.push_back(row.fields);
  return fields;
}

std::vector<int64_t> lines_of(std::string_view text, TsvQuoting quoting) {
  std::vector<int64_t> lines;
  for (const TsvRow& row : parse_tsv(text, quoting, "f.tsv")) lines.push_back(row.line);
  return lines;
}

}  // namespace

TEST_CASE("TSV: byte-order mark, CRLF, a last line without newline, empty lines at the end") {
  for (TsvQuoting quoting : {TsvQuoting::none, TsvQuoting::rfc4180}) {
    CAPTURE(static_cast<int>(quoting));
    const std::vector<Fields> expected = {{"a", "b"}, {"c", "d"}};
    CHECK(fields_of("\xEF\xBB\xBF"
                    "a\tb\nc\td\n",
                    quoting) == expected);
    CHECK(fields_of("a\tb\r\nc\td\r\n", quoting) == expected);
    CHECK(fields_of("a\tb\nc\td", quoting) == expected);
    CHECK(fields_of("a\tb\r\nc\td\r\n\r\n\n\n", quoting) == expected);
    CHECK(fields_of("a\tb\nc\td\r", quoting) == expected);
    CHECK(fields_of("", quoting).empty());
    CHECK(fields_of("\xEF\xBB\xBF\n\n", quoting).empty());
    // Only a line's end loses its '\r'; an empty line inside the file stays a row.
    CHECK(fields_of("a\r\tb\n\nc\td\n", quoting) ==
          std::vector<Fields>{{"a\r", "b"}, {""}, {"c", "d"}});
  }
}

TEST_CASE("TSV without quoting: a quote is text, whatever its place") {
  CHECK(fields_of("\"a\tb \"c\" \"\"d\n\"e\n", TsvQuoting::none) ==
        std::vector<Fields>{{"\"a", "b \"c\" \"\"d"}, {"\"e"}});
}

TEST_CASE("TSV with RFC 4180 quoting: tabs, line ends and doubled quotes in quoted fields") {
  // As pandas' to_csv(sep="\t") and Python's csv.writer(delimiter="\t") write them.
  const std::string text =
      "\tsentence\tlabel\r\n"
      "0\t\"two\nlines\"\t\"a\tb\"\r\n"
      "1\t\"say \"\"hi\"\"\"\t\"\"\r\n"
      "2\tbare \"inner\" quotes\t\"x\r\ny\"\r\n"
      "3\t\"\"\"\"\tz";
  CHECK(fields_of(text, TsvQuoting::rfc4180) ==
        std::vector<Fields>{{"", "sentence", "label"},
                            {"0", "two\nlines", "a\tb"},
                            {"1", "say \"hi\"", ""},
                            {"2", "bare \"inner\" quotes", "x\r\ny"},
                            {"3", "\"", "z"}});
  // Each record keeps the line it starts on.
  CHECK(lines_of(text, TsvQuoting::rfc4180) == std::vector<int64_t>{1, 2, 4, 5, 7});
}

TEST_CASE("TSV with RFC 4180 quoting: a broken quoted field names the line its record starts on") {
  CHECK(error_message([] {
          parse_tsv("a\tb\nc\t\"open\nand\nnever closed\n", TsvQuoting::rfc4180, "f.tsv");
        }) == "f.tsv:2: a quoted field opened in this record never closes");
  CHECK(error_message([] { parse_tsv("a\tb\n\"x\ny\"z\tw\n", TsvQuoting::rfc4180, "f.tsv"); }) ==
        "f.tsv:2: text after the closing quote of a quoted field (quotes inside one are "
        "doubled)");
}
