// The test helper of glue --init-from and glue benchmark end to end:
//   masked_lm_tool make OUT.safetensors ATTENTION SEGMENTS TEXT_FILE [weighted] [causal]
//   [clustered]
// writes an untrained tiny MaskedLM checkpoint with a word tokenizer beside it, as a pre-training
// run leaves them (tests/checkpoint_difference compares checkpoints); `weighted` gives its trunk
// token weights, 1 / (id + 1); `causal` makes it a CausalLM (pretrain --objective clm), and
// `clustered` gives that a clustered softmax (cutoffs at a third and two thirds of the words).
#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "synthgrad/core/core.h"
#include "synthgrad/data/tokenizer.h"
#include "synthgrad/data/word_tokenizer.h"
#include "synthgrad/models/checkpoint.h"

namespace {

template <class Model>
int make(const std::string& out, const std::string& attention, int64_t segments,
         const std::string& text_file, bool weighted, bool clustered) {
  std::ifstream in(text_file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.empty()) {
    fmt::print(stderr, "masked_lm_tool: no text in '{}'\n", text_file);
    return 1;
  }
  const auto tokenizer = sg::data::WordTokenizer::build(lines, {.min_count = 1, .lowercase = true});
  const int64_t vocab = tokenizer.vocab_size();
  Model model({.vocab_size = vocab,
               .dim = 16,
               .heads = 2,
               .layers = 1,
               .max_length = 16,
               .attention = attention,
               .segments = segments,
               .token_weights = weighted,
               .softmax_cutoffs = clustered ? std::vector<int64_t>{vocab / 3, 2 * vocab / 3}
                                            : std::vector<int64_t>{},
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
  const std::set<std::string> options(args.begin() + std::min<size_t>(args.size(), 5), args.end());
  const bool known = std::all_of(options.begin(), options.end(), [](const std::string& o) {
    return o == "weighted" || o == "causal" || o == "clustered";
  });
  if (args.size() >= 5 && args.size() == 5 + options.size() && known && args[0] == "make") {
    const bool weighted = options.contains("weighted"), clustered = options.contains("clustered");
    return options.contains("causal")
               ? make<sg::models::CausalLM>(args[1], args[2], std::stoll(args[3]), args[4],
                                            weighted, clustered)
               : make<sg::models::MaskedLM>(args[1], args[2], std::stoll(args[3]), args[4],
                                            weighted, clustered);
  }
  fmt::print(stderr,
             "usage: masked_lm_tool make OUT.safetensors ATTENTION SEGMENTS TEXT_FILE [weighted] "
             "[causal] [clustered]\n");
  return 2;
}
