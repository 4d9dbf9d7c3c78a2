#pragma once
// One token per character (UTF-8 code point), as char-rnn and nanoGPT's Shakespeare model use.
#include <span>

#include "synthgrad/data/tokenizer.h"
#include "synthgrad/data/vocabulary.h"

namespace sg::data {

class CharTokenizer : public Tokenizer {
 public:
  // The distinct characters of `texts`, ordered by their bytes, after the special tokens. Bytes
  // that are not valid UTF-8 are left out (they encode as [UNK]).
  static CharTokenizer build(std::span<const std::string> texts);
  // Throws when an ordinary token is not one UTF-8 character (encode could never produce it).
  explicit CharTokenizer(Vocabulary vocabulary);

  std::string kind() const override { return "char"; }
  int64_t vocab_size() const override { return vocabulary_.size(); }
  std::vector<int64_t> encode(std::string_view text) const override;
  std::string token(int64_t id) const override;
  void save(const std::string& path) const override;

 protected:
  std::string decode_ordinary(std::span<const int64_t> ids) const override;
  std::string_view separator() const override { return ""; }

 private:
  Vocabulary vocabulary_;
};

}  // namespace sg::data
