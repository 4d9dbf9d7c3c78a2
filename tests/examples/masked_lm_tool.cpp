// The test helper of glue --init-from and glue benchmark end to end:
//   masked_lm_tool make OUT.safetensors ATTENTION SEGMENTS TEXT_FILE
// writes an untrained tiny MaskedLM checkpoint with a word tokenizer beside it, as a pre-training
// run leaves them (tests/checkpoint_difference compares checkpoints).
#include <fmt/core.h>

#include <fstream>
#include <string>
#include <vector>

#include "synthgrad/core/core.h"
#include "synthgrad/data/tokenizer.h"
#include "synthgrad/data/word_tokenizer.h"
#include "synthgrad/models/checkpoint.h"

namespace {

int make(const std::string& out, const std::string& attention, int64_t segments,
         const std::string& text_file) {
  std::ifstream in(text_file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.empty()) {
    fmt::print(stderr, "masked_lm_tool: no text in '{}'\n", text_file);
    return 1;
  }
  const auto tokenizer = sg::data::WordTokenizer::build(lines, {.min_count = 1, .lowercase = true});
  const sg::models::MaskedLM model({.vocab_size = tokenizer.vocab_size(),
                                    .dim = 16,
                                    .heads = 2,
                                    .layers = 1,
                                    .max_length = 16,
                                    .attention = attention,
                                    .segments = segments,
                                    .seed = 9,
                                    .verbose = false});
  sg::models::save_model(model, out);
  tokenizer.save(sg::data::tokenizer_path_beside(out));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 5 && args[0] == "make")
    return make(args[1], args[2], std::stoll(args[3]), args[4]);
  fmt::print(stderr, "usage: masked_lm_tool make OUT.safetensors ATTENTION SEGMENTS TEXT_FILE\n");
  return 2;
}
