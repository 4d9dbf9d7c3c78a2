#pragma once
// What any tokenizer a loader accepted must do: encode text into ids of its vocabulary (or reject
// the text with an sg::Error) and decode those ids again.
#include <string_view>

#include "fuzz_input.h"
#include "synthgrad/core/error.h"
#include "synthgrad/data/tokenizer.h"

namespace sg::fuzz {

inline void check_tokenizer(const data::Tokenizer& tokenizer, std::string_view text) {
  FUZZ_CHECK(tokenizer.vocab_size() > 0);
  for (int64_t id = 0; id < tokenizer.vocab_size() && id < 64; ++id) tokenizer.token(id);
  std::vector<int64_t> ids;
  try {
    ids = tokenizer.encode(text);
  } catch (const Error&) {
    return;
  }
  for (int64_t id : ids) FUZZ_CHECK(id >= 0 && id < tokenizer.vocab_size());
  tokenizer.decode(ids);
}

}  // namespace sg::fuzz
