#include <doctest/doctest.h>

#include "fixtures.h"
#include "synthgrad/data/sequence_packer.h"
#include "synthgrad/data/word_tokenizer.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;
using sg::testing::TempFolder;

namespace {

using Ids = std::vector<int64_t>;
constexpr int64_t CLS = special_id(Special::cls), SEP = special_id(Special::sep);

// The id of each word, from the tokenizer's own (separately tested) encode.
struct Words {
  WordTokenizer tokenizer;
  int64_t operator()(const std::string& word) const {
    const Ids ids = tokenizer.encode(word);
    REQUIRE(ids.size() == 1);
    return ids[0];
  }
};

Words words_of(const std::string& text) {
  return {WordTokenizer::build(std::vector<std::string>{text})};
}

// Encodes every text to no id, as SentencePiece does text of control or zero-width characters.
class SilentTokenizer : public Tokenizer {
 public:
  std::string kind() const override { return "silent"; }
  int64_t vocab_size() const override { return kNumSpecialTokens + 1; }
  std::vector<int64_t> encode(std::string_view) const override { return {}; }
  std::string token(int64_t id) const override { return std::to_string(id); }
  void save(const std::string&) const override {}

 protected:
  std::string decode_ordinary(std::span<const int64_t>) const override { return ""; }
  std::string_view separator() const override { return ""; }
};

}  // namespace

TEST_CASE("documents are packed with a separator between them into full sequences") {
  TempFolder dir;
  const std::string text = "a b c\nd e\n\nf g h i\n";
  const std::string file = dir.write("c.txt", text);
  const Words id = words_of(text);
  SequencePacker once({whole_file(file)}, id.tokenizer, 5, /*repeat=*/false);
  CHECK(once.next() == Ids{CLS, id("a"), id("b"), id("c"), SEP});
  CHECK(once.next() ==
        Ids{CLS, id("d"), id("e"), SEP, SEP});  // the documents' separator, then the end
  CHECK(once.next() == Ids{CLS, id("f"), id("g"), id("h"), SEP});
  CHECK_FALSE(once.next().has_value());  // "i" fills no whole sequence

  SequencePacker repeating({whole_file(file)}, id.tokenizer, 5, /*repeat=*/true);
  for (int k = 0; k < 3; ++k) repeating.next();
  CHECK(repeating.next() == Ids{CLS, id("i"), SEP, id("a"), SEP});
  CHECK(repeating.position().epoch == 1);
  // A new document right after [CLS] needs no separator.
  SequencePacker six({whole_file(file)}, id.tokenizer, 7, true);
  CHECK(six.next() == Ids{CLS, id("a"), id("b"), id("c"), id("d"), id("e"), SEP});
  CHECK(six.next() == Ids{CLS, id("f"), id("g"), id("h"), id("i"), SEP, SEP});
}

TEST_CASE("batches of packed sequences, the last one smaller") {
  TempFolder dir;
  const std::string text = "one two three four five six seven eight nine ten\n";
  const std::string file = dir.write("c.txt", text);
  const Words id = words_of(text);
  SequencePacker packer({whole_file(file)}, id.tokenizer, 4, false);
  const std::optional<Tensor> first = packer.next_batch(3);
  REQUIRE(first.has_value());
  CHECK(first->shape() == Shape{3, 4});
  CHECK(first->to_vector<int64_t>() == Ids{CLS, id("one"), id("two"), SEP,     //
                                           CLS, id("three"), id("four"), SEP,  //
                                           CLS, id("five"), id("six"), SEP});
  CHECK(packer.next_batch(3)->shape() == Shape{2, 4});
  CHECK_FALSE(packer.next_batch(3).has_value());
}

TEST_CASE("a restored packer continues with exactly the sequences it would have given") {
  TempFolder dir;
  const std::string a_text = "one two three four five six seven\nmore of it\n\nnext doc\n";
  const std::string b_text = "second file line\n";
  const std::string a = dir.write("a.txt", a_text), b = dir.write("b.txt", b_text);
  const Words id = words_of(a_text + b_text);
  const std::vector<CorpusSpan> spans{whole_file(a), whole_file(b)};
  SequencePacker packer(spans, id.tokenizer, 5, true);
  std::vector<PackingPosition> positions;
  std::vector<Ids> sequences;
  for (int k = 0; k < 12; ++k) {
    positions.push_back(packer.position());
    sequences.push_back(*packer.next());
  }
  // Epoch 0 gives 16 ids (its first [SEP] follows [CLS]), so sequence 6 starts in epoch 1.
  CHECK(positions[5].epoch == 0);
  CHECK(positions[6].epoch == 1);
  for (size_t k = 0; k < positions.size(); ++k) {
    INFO(k, " ", to_string(positions[k]));
    SequencePacker resumed(spans, id.tokenizer, 5, true);
    resumed.restore(parse_packing_position(to_string(positions[k])));
    for (size_t j = k; j < sequences.size(); ++j) CHECK(*resumed.next() == sequences[j]);
  }
}

TEST_CASE("packer errors") {
  TempFolder dir;
  const std::string blank = dir.write("blank.txt", "\n  \n");
  const Words id = words_of("x");
  CHECK(error_message([&] { SequencePacker({whole_file(blank)}, id.tokenizer, 2, true); }) ==
        "SequencePacker: max_length 2 leaves no room beside [CLS] and [SEP]");
  SequencePacker packer({whole_file(blank)}, id.tokenizer, 4, true);
  CHECK(error_message([&] { packer.next(); }) ==
        fmt::format("SequencePacker: the corpus starting with '{}' holds no text", blank));
  CHECK(error_message([] {
          parse_packing_position("{\"epoch\": 1}");
        }).starts_with("parse_packing_position: expected"));
}

TEST_CASE("a corpus whose lines all encode to no id is an error, not an endless loop") {
  TempFolder dir;
  const std::string file = dir.write("invisible.txt", "\x01\n\x02\n");
  const SilentTokenizer silent;
  // One document: its [SEP] came right after [CLS] and was left out, pass after pass.
  SequencePacker packer({whole_file(file)}, silent, 4, /*repeat=*/true);
  CHECK(error_message([&] { packer.next(); }) ==
        fmt::format("SequencePacker: the corpus starting with '{}' holds no text", file));
}
