#pragma once
// The training loop every program shares (glue, lm, pretrain): the learning-rate schedule,
// zero_grad / backward / clip / step, tokens per second, progress, evaluation that keeps the best
// model, the CSV log and its curves, and the planned or interrupted stop that saves the checkpoint
// `--resume` continues from bit for bit. A program passes in only what is its own: the loss of its
// next batch, its evaluation, how its best model is saved, and its state beyond model and
// optimizer.
//
// Started by mpirun or srun as N processes, the loop trains data-parallel: parameters and optimizer
// state start as rank 0's, gradients are averaged over the ranks before every step (see
// distributed/gradient_averager.h), the loss and the stop signals are agreed on, and rank 0 alone
// prints, logs and writes checkpoints. Each rank's next_loss and evaluate take their own part of
// the work; see TrainingTask.
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "examples/support/run_folder.h"
#include "synthgrad/autograd/variable.h"
#include "synthgrad/core/random.h"
#include "synthgrad/core/safetensors.h"
#include "synthgrad/nn/module.h"
#include "synthgrad/optim/optimizer.h"
#include "synthgrad/optim/schedule.h"

namespace sg::examples {

// Named evaluation results; the first one chooses the best model.
using Metrics = std::vector<std::pair<std::string, double>>;

struct TrainingTask {
  // This rank's share of the loss of the next global batch, weighted so that the mean of the ranks'
  // shares is the whole batch's loss (distributed::share_weight), or an undefined Variable for a
  // rank with no rows; sets `tokens` to this rank's token count. In one process: the batch's loss.
  std::function<Variable(int64_t& tokens)> next_loss;
  // Whether to evaluate once `step` steps are done (the last step always evaluates).
  std::function<bool(int64_t step)> evaluate_after;
  // Results in the order of LoopSettings::metrics, the same on every rank (each may score its part
  // and combine them with the others').
  std::function<Metrics()> evaluate;
  // Saves the model as the run's best; `best` is its first metric. Called on rank 0 only.
  std::function<void(double best)> save_best_model;
  // The program's own state (data position, random generators, config) for the last checkpoint,
  // and its restoration on --resume (state is asked of rank 0, restore of every rank).
  std::function<Metadata()> state;
  std::function<void(const Metadata&)> restore;
  // The current epoch, when the program counts them (shown and logged); may be empty.
  std::function<int64_t()> epoch;
  // The model's dropout generator, if it has one: the loop saves and restores its state, and in a
  // data-parallel run gives each rank its own stream of it for every next_loss (RankDropoutStream).
  Generator* dropout = nullptr;
};

struct LoopSettings {
  int64_t total_steps = 0;
  int64_t stop_after = 0;  // steps of this sitting (after a resume, of the resumed run); 0: none
  float clip = 1.0f;       // global gradient-norm limit
  bool resume = false;
  std::string evaluation_name = "dev";  // "dev", "validation": prefixes the metrics in log lines
  std::vector<std::string> metrics{};   // names evaluate() returns, the first selects the best
  bool higher_is_better = true;         // for the first metric
  // A step whose loss or gradient norm is not finite is skipped (no update); this many in a row
  // stop the run, leaving the last checkpoint as it was.
  int64_t max_skipped_in_a_row = 20;
  // Each process's examples (or windows, sequences) a step: saved with the last checkpoint, and a
  // resume with another refused (0: not checked).
  int64_t batch_size = 0;
  // What the run trains on, as flags ("--task RTE --data /abs/RTE"): saved with the last
  // checkpoint, and a resume given other inputs refused, since the data position, the tokenizer and
  // the model belong to the run's own ("": not checked).
  std::string inputs{};
  // Data-parallel runs: gradients are sent in buckets of about this many bytes.
  int64_t bucket_bytes = int64_t{25} << 20;
};

struct LoopResult {
  // 0 done or stopped as planned, 130 / 143 / 138 on SIGINT / SIGTERM / SIGUSR1, 1 diverged.
  int exit_status = 0;
  bool finished = false;
  int64_t step = 0;
  int64_t skipped_steps = 0;  // updates skipped for a non-finite loss or gradient
  double best = NAN;          // the first metric of the best model (NaN before any evaluation)
  double seconds = 0.0;       // wall time of this call (this process's part of a resumed run)
};

// A path as a run's inputs record it: absolute, so that a resume from another directory matches.
std::string absolute_path(const std::string& path);

LoopResult run_training(nn::Module& model, optim::Optimizer& optimizer,
                        const optim::Schedule& schedule, const RunFolder& run, TrainingTask& task,
                        const LoopSettings& settings);

}  // namespace sg::examples
