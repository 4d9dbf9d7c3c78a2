#pragma once
// Whole words and single punctuation marks, optionally lower-cased, with a vocabulary of the words
// seen at least `min_count` times in the training text.
#include <span>

#include "data/tokenizer.h"
#include "data/vocabulary.h"

namespace sg::data {

struct WordTokenizerOptions {
  int64_t min_count = 1;
  bool lowercase = true;
};

class WordTokenizer : public Tokenizer {
 public:
  // Words ordered by falling count, ties by their bytes, so the same texts give the same ids.
  static WordTokenizer build(std::span<const std::string> texts, WordTokenizerOptions options = {});
  WordTokenizer(Vocabulary vocabulary, bool lowercase)
      : vocabulary_(std::move(vocabulary)), lowercase_(lowercase) {}

  // Splits at ASCII white space and around each ASCII punctuation character ("don't." -> "don",
  // "'", "t", "."); lower-cases ASCII letters when asked. Other bytes belong to words.
  static std::vector<std::string> split_words(std::string_view text, bool lowercase);

  std::string kind() const override { return "word"; }
  int64_t vocab_size() const override { return vocabulary_.size(); }
  bool lowercase() const { return lowercase_; }
  std::vector<int64_t> encode(std::string_view text) const override;
  std::string token(int64_t id) const override;
  void save(const std::string& path) const override;

 protected:
  std::string decode_ordinary(std::span<const int64_t> ids) const override;
  std::string_view separator() const override { return " "; }

 private:
  Vocabulary vocabulary_;
  bool lowercase_;
};

}  // namespace sg::data
