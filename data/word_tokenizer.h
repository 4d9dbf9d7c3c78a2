#pragma once
// Whole words and single punctuation marks, optionally lower-cased, with a vocabulary of the words
// seen at least `min_count` times in the training text; or, for word-level language modelling,
// the words of the files as they are.
#include <span>

#include "synthgrad/data/tokenizer.h"
#include "synthgrad/data/vocabulary.h"

namespace sg::data {

enum class WordSplitting {
  // At white space and around each ASCII punctuation character ("don't." -> "don", "'", "t", ".").
  punctuation,
  // The word-level language-modelling convention of WikiText and PTB: at white space only, each
  // line break is the word "<eos>", and a word outside the vocabulary is the word "<unk>", which
  // the vocabulary always holds (the files' own "<unk>" is that word, not [UNK]).
  lines,
};

struct WordTokenizerOptions {
  int64_t min_count = 1;
  bool lowercase = true;
  WordSplitting splitting = WordSplitting::punctuation;
};

class WordTokenizer : public Tokenizer {
 public:
  // Words ordered by falling count, ties by their bytes, so the same texts give the same ids.
  static WordTokenizer build(std::span<const std::string> texts, WordTokenizerOptions options = {});
  WordTokenizer(Vocabulary vocabulary, bool lowercase,
                WordSplitting splitting = WordSplitting::punctuation);

  static constexpr std::string_view kEndOfLine = "<eos>";
  static constexpr std::string_view kUnknownWord = "<unk>";

  // Splits at ASCII white space as `splitting` says; lower-cases ASCII letters when asked. Other
  // bytes belong to words.
  static std::vector<std::string> split_words(std::string_view text, bool lowercase,
                                              WordSplitting splitting = WordSplitting::punctuation);

  std::string kind() const override { return "word"; }
  int64_t vocab_size() const override { return vocabulary_.size(); }
  bool lowercase() const { return lowercase_; }
  WordSplitting splitting() const { return splitting_; }
  std::vector<int64_t> encode(std::string_view text) const override;
  std::string token(int64_t id) const override;
  void save(const std::string& path) const override;

 protected:
  std::string decode_ordinary(std::span<const int64_t> ids) const override;
  std::string_view separator() const override { return " "; }

 private:
  Vocabulary vocabulary_;
  bool lowercase_;
  WordSplitting splitting_;
  int64_t unknown_id_;  // what a word outside the vocabulary encodes to
};

}  // namespace sg::data
