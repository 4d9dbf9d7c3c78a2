#pragma once
// The files of one training run, all in one folder: the best model, the training checkpoint that
// --resume continues from, the tokenizer, the metrics log and its plot.
#include <string>

namespace sg::examples {

struct RunFolder {
  std::string path;
  std::string best_model() const { return path + "/best.safetensors"; }
  std::string last_checkpoint() const { return path + "/last.safetensors"; }
  std::string tokenizer() const { return path + "/best.tokenizer"; }
  std::string log() const { return path + "/log.csv"; }
  std::string plot() const { return path + "/curves.svg"; }
};

// Creates the folder; throws naming it when that fails.
RunFolder make_run_folder(const std::string& path);

}  // namespace sg::examples
