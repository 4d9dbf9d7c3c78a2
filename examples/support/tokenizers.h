#pragma once
#include <memory>
#include <string>
#include <vector>

#include "synthgrad/data/tokenizer.h"

namespace sg::examples {

struct TokenizerChoice {
  std::string kind = "word";  // "char", "word" or "sentencepiece"
  int64_t min_count = 2;      // word
  int64_t vocab_size = 8000;  // sentencepiece (an upper bound)
  // word: the language-modelling convention of WikiText and PTB (every training word as it is,
  // <eos> per line, unseen words as <unk>) instead of lower-cased words with punctuation apart.
  bool language_model = false;
};

// Builds the chosen tokenizer from training text; throws naming an unknown kind.
std::unique_ptr<data::Tokenizer> build_tokenizer(const TokenizerChoice& choice,
                                                 const std::vector<std::string>& texts);

// The tokenizer saved beside a checkpoint whose model has `vocab_size` tokens; throws naming both
// files when the two disagree (a tokenizer from another run would shift every id silently).
std::unique_ptr<data::Tokenizer> load_tokenizer_beside(const std::string& checkpoint,
                                                       int64_t vocab_size);

}  // namespace sg::examples
