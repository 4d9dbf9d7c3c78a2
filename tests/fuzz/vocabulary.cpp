// load_tokenizer on arbitrary JSON-like text: a synthgrad vocabulary file of the character or word
// tokenizer. The tokenizer it gives encodes the input itself as text.
#include "fuzz_input.h"
#include "synthgrad/data/tokenizer.h"
#include "tokenizer_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = sg::fuzz::as_text(data, size);
  // Other first bytes go to the SentencePiece reader, which has a harness of its own.
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') return 0;
  std::unique_ptr<sg::data::Tokenizer> tokenizer;
  try {
    tokenizer = sg::data::parse_tokenizer(std::string(text), "fuzz input");
  } catch (const sg::Error&) {
    return 0;
  }
  sg::fuzz::check_tokenizer(*tokenizer, text);
  return 0;
}
