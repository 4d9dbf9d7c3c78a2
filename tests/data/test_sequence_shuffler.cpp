#include <doctest/doctest.h>

#include <fmt/core.h>

#include <algorithm>

#include "fixtures.h"
#include "synthgrad/data/sequence_shuffler.h"
#include "synthgrad/data/word_tokenizer.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;
using sg::testing::TempFolder;

namespace {

using Ids = std::vector<int64_t>;

// Words numbered 0 .. count-1, a few to a line, so that every packed sequence differs.
std::string numbered_words(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += fmt::format("w{}{}", i, i % 7 == 6 ? '\n' : ' ');
  return text + "\n";
}

std::vector<Ids> rows_of(const Tensor& batch) {
  const Ids ids = batch.to_vector<int64_t>();
  const int64_t length = batch.size(1);
  std::vector<Ids> rows;
  for (int64_t r = 0; r < batch.size(0); ++r)
    rows.emplace_back(ids.begin() + r * length, ids.begin() + (r + 1) * length);
  return rows;
}

struct Corpus {
  TempFolder dir;
  std::vector<CorpusSpan> spans;
  WordTokenizer tokenizer;
  explicit Corpus(int words)
      : spans{whole_file(dir.write("c.txt", numbered_words(words)))},
        tokenizer(WordTokenizer::build(std::vector<std::string>{numbered_words(words)})) {}
};

}  // namespace

TEST_CASE("each block of packed sequences is given whole, in a seeded random order") {
  const Corpus corpus(400);
  SequencePacker in_order(corpus.spans, corpus.tokenizer, 6, /*repeat=*/true);
  SequencePacker packer(corpus.spans, corpus.tokenizer, 6, /*repeat=*/true);
  SequenceShuffler shuffler(packer, 8, /*seed=*/3);
  for (int block = 0; block < 3; ++block) {
    std::vector<Ids> expected;
    for (int i = 0; i < 8; ++i) expected.push_back(*in_order.next());
    std::vector<Ids> given = rows_of(*shuffler.next_batch(5));
    for (const Ids& row : rows_of(*shuffler.next_batch(3))) given.push_back(row);
    CHECK(given != expected);  // shuffled: 8 rows in order by chance once in 40320
    std::sort(given.begin(), given.end());
    std::sort(expected.begin(), expected.end());
    CHECK(given == expected);  // yet every sequence of the block, once
  }
}

TEST_CASE("the order depends on the seed, and a batch may span two blocks") {
  const Corpus corpus(400);
  SequencePacker a(corpus.spans, corpus.tokenizer, 6, true),
      b(corpus.spans, corpus.tokenizer, 6, true);
  SequenceShuffler seed1(a, 8, 1), seed2(b, 8, 2);
  CHECK(rows_of(*seed1.next_batch(8)) != rows_of(*seed2.next_batch(8)));
  CHECK(seed1.next_batch(12)->size(0) == 12);
  CHECK(seed1.position().taken == 4);
}

TEST_CASE("a restored shuffler continues with exactly the batches the original gives") {
  const Corpus corpus(400);
  SequencePacker packer(corpus.spans, corpus.tokenizer, 6, true);
  SequenceShuffler shuffler(packer, 8, 5);
  for (int step = 0; step < 3; ++step) shuffler.next_batch(3);  // 9 sequences: mid-way in block 2
  const ShufflePosition saved = parse_shuffle_position(to_string(shuffler.position()));
  CHECK(saved.taken == 1);

  SequencePacker other_packer(corpus.spans, corpus.tokenizer, 6, true);
  SequenceShuffler resumed(other_packer, 8, /*seed=*/99);  // the saved state replaces the seed
  resumed.restore(saved);
  for (int step = 0; step < 40; ++step)  // past the end of the corpus, into the next epoch
    REQUIRE(rows_of(*resumed.next_batch(3)) == rows_of(*shuffler.next_batch(3)));
}

TEST_CASE("a stream that does not repeat ends with a smaller batch") {
  const Corpus corpus(40);  // 40 words and 6 line ends: 11 sequences of 4 + 2 ids
  SequencePacker packer(corpus.spans, corpus.tokenizer, 6, /*repeat=*/false);
  SequenceShuffler shuffler(packer, 4, 0);
  int64_t sequences = 0;
  while (auto batch = shuffler.next_batch(3)) sequences += batch->size(0);
  SequencePacker count(corpus.spans, corpus.tokenizer, 6, false);
  int64_t expected = 0;
  while (count.next()) ++expected;
  CHECK(sequences == expected);
}

TEST_CASE("shuffler errors name the problem") {
  const Corpus corpus(40);
  SequencePacker packer(corpus.spans, corpus.tokenizer, 6, true);
  CHECK(error_message([&] { SequenceShuffler(packer, 0, 0); }).find("block_sequences 0") !=
        std::string::npos);
  SequenceShuffler shuffler(packer, 4, 0);
  CHECK(error_message([&] { shuffler.next_batch(0); }).find("batch_size 0") != std::string::npos);
  CHECK(error_message([&] { parse_shuffle_position("{}"); }).find("parse_shuffle_position") !=
        std::string::npos);
  ShufflePosition beyond = shuffler.position();
  beyond.taken = 5;
  CHECK(error_message([&] {
          shuffler.restore(beyond);
        }).find("5 sequences taken of a block of 4") != std::string::npos);
}
