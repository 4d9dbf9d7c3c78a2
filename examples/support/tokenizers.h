#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/tokenizer.h"

namespace sg::examples {

struct TokenizerChoice {
  std::string kind = "word";  // "char", "word" or "sentencepiece"
  int64_t min_count = 2;      // word
  int64_t vocab_size = 8000;  // sentencepiece (an upper bound)
};

// Builds the chosen tokenizer from training text; throws naming an unknown kind.
std::unique_ptr<data::Tokenizer> build_tokenizer(const TokenizerChoice& choice,
                                                 const std::vector<std::string>& texts);

}  // namespace sg::examples
