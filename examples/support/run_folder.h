#pragma once
// The files of one training run, all in one folder: the best model, the training checkpoint that
// --resume continues from, the tokenizer, the metrics log and its plot, the final scores.
#include <string>
#include <vector>

namespace sg::examples {

struct RunFolder {
  std::string path;
  std::string best_model() const { return path + "/best.safetensors"; }
  std::string last_checkpoint() const { return path + "/last.safetensors"; }
  std::string tokenizer() const { return path + "/best.tokenizer"; }
  std::string log() const { return path + "/log.csv"; }
  std::string plot() const { return path + "/curves.svg"; }
  std::string results() const { return path + "/results.json"; }  // the final scores
  std::vector<std::string> files() const {
    return {best_model(), last_checkpoint(), tokenizer(), log(), plot(), results()};
  }
};

// How a run treats the files of an earlier run in its folder.
enum class RunStart {
  fresh,      // refuses a folder that holds any, so that no two runs mix
  resume,     // continues from them
  overwrite,  // deletes them first
};

// Creates the folder. Throws a UsageError (exit status 2) naming the folder and the ways out when a
// fresh run meets an earlier run's files, and an sg::Error when the folder cannot be made.
RunFolder open_run_folder(const std::string& path, RunStart start);

}  // namespace sg::examples
