#include "examples/support/tokenizers.h"

#include "synthgrad/core/error.h"
#include "synthgrad/data/char_tokenizer.h"
#include "synthgrad/data/sentencepiece_tokenizer.h"
#include "synthgrad/data/word_tokenizer.h"

namespace sg::examples {

std::unique_ptr<data::Tokenizer> build_tokenizer(const TokenizerChoice& choice,
                                                 const std::vector<std::string>& texts) {
  if (choice.kind == "char")
    return std::make_unique<data::CharTokenizer>(data::CharTokenizer::build(texts));
  if (choice.kind == "word")
    return std::make_unique<data::WordTokenizer>(data::WordTokenizer::build(
        texts, choice.language_model
                   ? data::WordTokenizerOptions{.min_count = 1,
                                                .lowercase = false,
                                                .splitting = data::WordSplitting::lines}
                   : data::WordTokenizerOptions{.min_count = choice.min_count, .lowercase = true}));
  if (choice.kind == "sentencepiece")
    return std::make_unique<data::SentencePieceTokenizer>(
        data::SentencePieceTokenizer::train(texts, {.vocab_size = choice.vocab_size}));
  fail("tokenizer '{}' is not one of char, word, sentencepiece", choice.kind);
}

std::unique_ptr<data::Tokenizer> load_tokenizer_beside(const std::string& checkpoint,
                                                       int64_t vocab_size) {
  const std::string path = data::tokenizer_path_beside(checkpoint);
  auto tokenizer = data::load_tokenizer(path);
  SG_CHECK(tokenizer->vocab_size() == vocab_size,
           "'{}' has a vocabulary of {} tokens, its tokenizer '{}' one of {}: they are not from "
           "the same run",
           checkpoint, vocab_size, path, tokenizer->vocab_size());
  return tokenizer;
}

}  // namespace sg::examples
