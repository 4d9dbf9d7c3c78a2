#pragma once
// The files of one training run, all in one folder: the best model, the training checkpoint that
// --resume continues from, the tokenizer, the metrics log and its plot, the final scores.
#include <memory>
#include <string>
#include <vector>

namespace sg::examples {

class RunLock;

struct RunFolder {
  std::string path;
  // Held for as long as any copy lives (see run_lock.h); empty for a folder not opened as a run's.
  std::shared_ptr<const RunLock> lock{};
  std::string best_model() const { return path + "/best.safetensors"; }
  std::string last_checkpoint() const { return path + "/last.safetensors"; }
  std::string tokenizer() const { return path + "/best.tokenizer"; }
  std::string log() const { return path + "/log.csv"; }
  std::string plot() const { return path + "/curves.svg"; }
  std::string results() const { return path + "/results.json"; }  // the final scores
  // Where --overwrite keeps the earlier run until this one saves its first checkpoint.
  std::string earlier_run() const { return path + "/.earlier-run"; }
  std::vector<std::string> files() const {
    return {best_model(), last_checkpoint(), tokenizer(), log(), plot(), results()};
  }
};

// How a run treats the files of an earlier run in its folder.
enum class RunStart {
  fresh,      // refuses a started run's folder (one with a checkpoint), so that no two runs mix;
              // a run that stopped before its first checkpoint left nothing to keep: deleted
  resume,     // continues from them
  overwrite,  // moves them to earlier_run(), which the first checkpoint of this run deletes:
              // a run that fails on its input before that loses nothing
};

// Creates the folder and locks it for this process's run. Throws a UsageError naming the folder
// when a live process's run holds it, or naming the ways out when a fresh run meets an earlier
// run's files, and an sg::Error when the folder cannot be made. In a data-parallel run rank 0 does
// this, and the other ranks (which write nothing there, but read from it) wait until it has, then
// throw an sg::Error if they cannot see it.
RunFolder open_run_folder(const std::string& path, RunStart start);

// Deletes what --overwrite set aside, once this run has saved a model of its own.
void discard_earlier_run(const RunFolder& folder);

}  // namespace sg::examples
