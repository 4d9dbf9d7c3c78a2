#pragma once
// The token list of the character and word tokenizers, with the special tokens at their fixed ids,
// and the JSON file both of them save it in.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sg::data {

class Vocabulary {
 public:
  // Ids kNumSpecialTokens.. in the given order; throws on an empty, repeated or special token.
  explicit Vocabulary(std::vector<std::string> ordinary_tokens = {});

  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }  // by id, specials first
  const std::string& token(int64_t id) const;
  int64_t id_of(std::string_view token) const;  // [UNK] for a token not in the vocabulary

 private:
  // Transparent, so that lookups by string_view need no temporary string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t, Hash, std::equal_to<>> ids_;
};

// {"format": "synthgrad-vocabulary", "version": 1, "kind": "word", "lowercase": true,
//  "lines": false, "tokens": ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]", "the", ...]}: readable
//  and diffable.
struct VocabularyFile {
  std::string kind;  // "char" or "word"
  Vocabulary vocabulary;
  bool lowercase = false;  // word tokenizer only
  bool lines = false;      // word tokenizer only: the language-modelling convention
};

void save_vocabulary_file(const std::string& path, const VocabularyFile& file);
// `content` is the file's text, already read by the caller; errors name `path`.
VocabularyFile parse_vocabulary_file(const std::string& path, const std::string& content);

}  // namespace sg::data
