#pragma once
// The tokenizer interface shared by the character, word and SentencePiece tokenizers. Every
// tokenizer puts the special tokens at the same fixed ids, so models, batching and checkpoints
// never need to ask which tokenizer made the ids.
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sg::data {

enum class Special : int64_t { pad = 0, cls = 1, sep = 2, unk = 3, mask = 4 };
inline constexpr int64_t kNumSpecialTokens = 5;
inline constexpr std::array<std::string_view, kNumSpecialTokens> kSpecialTokenNames = {
    "[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"};

constexpr int64_t special_id(Special token) {
  return static_cast<int64_t>(token);
}
constexpr bool is_special_id(int64_t id) {
  return id >= 0 && id < kNumSpecialTokens;
}
constexpr bool is_special_name(std::string_view token) {
  return std::find(kSpecialTokenNames.begin(), kSpecialTokenNames.end(), token) !=
         kSpecialTokenNames.end();
}

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  virtual std::string kind() const = 0;  // "char", "word" or "sentencepiece"
  virtual int64_t vocab_size() const = 0;

  // Ids of the text's tokens only: no [CLS] or [SEP] (see encoding.h); unknown tokens are [UNK].
  virtual std::vector<int64_t> encode(std::string_view text) const = 0;

  // The text of `ids`; special tokens appear as their names ("[CLS]") unless skip_special, so a
  // decoded batch shows where padding and separators went. [UNK] stands for text and always shows.
  // Throws for ids outside the vocabulary.
  std::string decode(std::span<const int64_t> ids, bool skip_special = false) const;

  // The string of one token, for inspection.
  virtual std::string token(int64_t id) const = 0;

  // Writes what load_tokenizer needs to rebuild this tokenizer.
  virtual void save(const std::string& path) const = 0;

 protected:
  // Text of a run of ordinary ids and [UNK], and what goes between such runs and the names of the
  // other special tokens.
  virtual std::string decode_ordinary(std::span<const int64_t> ids) const = 0;
  virtual std::string_view separator() const = 0;

  void check_id(int64_t id, const char* op) const;
};

// Reads any tokenizer that save() wrote (a synthgrad vocabulary JSON file or a SentencePiece
// model); throws an sg::Error naming the file when it is neither or is damaged.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);
// The same from the file's bytes, already read; errors name `source`.
std::unique_ptr<Tokenizer> parse_tokenizer(std::string content, const std::string& source);

// Where a checkpoint's tokenizer lives: "run/model.safetensors" -> "run/model.tokenizer".
std::string tokenizer_path_beside(const std::string& checkpoint_path);

}  // namespace sg::data
