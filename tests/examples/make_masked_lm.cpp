// Writes an untrained tiny MaskedLM checkpoint with a word tokenizer beside it, as a pre-training
// run leaves them, for the end-to-end tests of glue --init-from and glue benchmark.
//   make_masked_lm OUT.safetensors ATTENTION SEGMENTS TEXT_FILE
#include <fmt/core.h>

#include <fstream>
#include <string>
#include <vector>

#include "data/tokenizer.h"
#include "data/word_tokenizer.h"
#include "models/checkpoint.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    fmt::print(stderr, "usage: make_masked_lm OUT.safetensors ATTENTION SEGMENTS TEXT_FILE\n");
    return 2;
  }
  const std::string out = argv[1], attention = argv[2], text_file = argv[4];
  std::ifstream in(text_file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.empty()) {
    fmt::print(stderr, "make_masked_lm: no text in '{}'\n", text_file);
    return 1;
  }
  const auto tokenizer = sg::data::WordTokenizer::build(lines, {.min_count = 1, .lowercase = true});
  const sg::models::MaskedLM model({.vocab_size = tokenizer.vocab_size(),
                                    .dim = 16,
                                    .heads = 2,
                                    .layers = 1,
                                    .max_length = 16,
                                    .attention = attention,
                                    .segments = std::stoll(argv[3]),
                                    .seed = 9,
                                    .verbose = false});
  sg::models::save_model(model, out);
  tokenizer.save(sg::data::tokenizer_path_beside(out));
  return 0;
}
