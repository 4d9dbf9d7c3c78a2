// The test helper of glue --init-from and glue benchmark end to end:
//   masked_lm_tool make OUT.safetensors ATTENTION SEGMENTS TEXT_FILE [weighted]
// writes an untrained tiny MaskedLM checkpoint with a word tokenizer beside it, as a pre-training
// run leaves them (tests/checkpoint_difference compares checkpoints); `weighted` gives its trunk
// token weights, 1 / (id + 1).
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
         const std::string& text_file, bool weighted) {
  std::ifstream in(text_file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.empty()) {
    fmt::print(stderr, "masked_lm_tool: no text in '{}'\n", text_file);
    return 1;
  }
  const auto tokenizer = sg::data::WordTokenizer::build(lines, {.min_count = 1, .lowercase = true});
  sg::models::MaskedLM model({.vocab_size = tokenizer.vocab_size(),
                              .dim = 16,
                              .heads = 2,
                              .layers = 1,
                              .max_length = 16,
                              .attention = attention,
                              .segments = segments,
                              .token_weights = weighted,
                              .seed = 9,
                              .verbose = false});
  if (weighted) {
    std::vector<float> weights;
    for (int64_t id = 0; id < tokenizer.vocab_size(); ++id)
      weights.push_back(1.0f / static_cast<float>(id + 1));
    sg::copy_into(model.trunk->token_weights, sg::from_vector(weights));
  }
  sg::models::save_model(model, out);
  tokenizer.save(sg::data::tokenizer_path_beside(out));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if ((args.size() == 5 || (args.size() == 6 && args[5] == "weighted")) && args[0] == "make")
    return make(args[1], args[2], std::stoll(args[3]), args[4], args.size() == 6);
  fmt::print(
      stderr,
      "usage: masked_lm_tool make OUT.safetensors ATTENTION SEGMENTS TEXT_FILE [weighted]\n");
  return 2;
}
