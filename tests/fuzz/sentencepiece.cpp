// SentencePieceTokenizer::from_model on arbitrary bytes, as a .model file holds them. The tokenizer
// it gives encodes the input itself as text.
#include <optional>

#include "fuzz_input.h"
#include "synthgrad/data/sentencepiece_tokenizer.h"
#include "tokenizer_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = sg::fuzz::as_text(data, size);
  std::optional<sg::data::SentencePieceTokenizer> tokenizer;
  try {
    tokenizer = sg::data::SentencePieceTokenizer::from_model(std::string(bytes), "fuzz input");
  } catch (const sg::Error&) {
    return 0;
  }
  sg::fuzz::check_tokenizer(*tokenizer, bytes);
  return 0;
}
