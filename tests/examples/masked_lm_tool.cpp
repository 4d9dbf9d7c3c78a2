// The test helper of glue --init-from and glue benchmark end to end:
//   masked_lm_tool make OUT.safetensors ATTENTION SEGMENTS TEXT_FILE
// writes an untrained tiny MaskedLM checkpoint with a word tokenizer beside it, as a pre-training
// run leaves them;
//   masked_lm_tool same-trunk A.safetensors B.safetensors
// exits 0 when every trunk.* tensor of A is in B within 1e-6, 1 (naming the first other) if not;
//   masked_lm_tool same-tensors PREFIX A.safetensors B.safetensors
// the same for the tensors whose names begin with PREFIX.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
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

int same_tensors(const std::string& prefix, const std::string& a, const std::string& b) {
  const auto other = sg::load_safetensors(b).tensors;
  const std::map<std::string, sg::Tensor> in_b(other.begin(), other.end());
  int64_t compared = 0;
  for (const auto& [name, tensor] : sg::load_safetensors(a).tensors) {
    if (!name.starts_with(prefix)) continue;
    const auto it = in_b.find(name);
    if (it == in_b.end() || it->second.shape() != tensor.shape()) {
      fmt::print(stderr, "{} of '{}' is not in '{}' in that shape\n", name, a, b);
      return 1;
    }
    const auto x = tensor.to_vector<float>(), y = it->second.to_vector<float>();
    for (size_t i = 0; i < x.size(); ++i)
      if (std::abs(x[i] - y[i]) > 1e-6f) {
        fmt::print(stderr, "{}[{}] is {} in '{}', {} in '{}'\n", name, i, x[i], a, y[i], b);
        return 1;
      }
    ++compared;
  }
  fmt::print("{} {}* tensors agree\n", compared, prefix);
  return compared > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 5 && args[0] == "make")
    return make(args[1], args[2], std::stoll(args[3]), args[4]);
  if (args.size() == 3 && args[0] == "same-trunk") return same_tensors("trunk.", args[1], args[2]);
  if (args.size() == 4 && args[0] == "same-tensors") return same_tensors(args[1], args[2], args[3]);
  fmt::print(stderr,
             "usage: masked_lm_tool make OUT.safetensors ATTENTION SEGMENTS TEXT_FILE\n"
             "       masked_lm_tool same-trunk A.safetensors B.safetensors\n"
             "       masked_lm_tool same-tensors PREFIX A.safetensors B.safetensors\n");
  return 2;
}
