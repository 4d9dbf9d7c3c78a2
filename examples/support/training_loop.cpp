#include "examples/support/training_loop.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "examples/support/best_score.h"
#include "examples/support/cli.h"
#include "examples/support/csv_log.h"
#include "examples/support/data_parallel.h"
#include "examples/support/interrupt.h"
#include "examples/support/progress.h"
#include "examples/support/svg_plot.h"
#include "synthgrad/core/error.h"
#include "synthgrad/distributed/gradient_averager.h"
#include "synthgrad/nn/checkpoint.h"
#include "synthgrad/optim/clip.h"

namespace sg::examples {

namespace {

// The loop's own part of the last checkpoint's metadata.
constexpr const char* kStepKey = "step";
constexpr const char* kBestKey = "best_metric";
constexpr const char* kSkippedKey = "skipped_steps";
constexpr const char* kSkippedInARowKey = "skipped_in_a_row";
constexpr const char* kRanksKey = "ranks";          // the processes of the run that wrote it
constexpr const char* kBatchKey = "batch_size";     // each process's, when the program says it
constexpr const char* kDropoutKey = "dropout_rng";  // TrainingTask::dropout's state
constexpr const char* kInputsKey = "inputs";        // LoopSettings::inputs
// step, epoch, loss, lr, tokens_per_s, skipped_steps; then one column per metric.
constexpr size_t kFixedColumns = 6;

struct LoopState {
  int64_t step = 0;
  int64_t skipped = 0;
  // The current streak of skipped updates: a stop in the middle of one saves it, or every sitting
  // of a diverged run would start a new streak and never end it.
  int64_t skipped_in_a_row = 0;
  BestScore best;
};

// Rank 0 writes the checkpoint; the ranks hold the same parameters and optimizer state.
void save_last(const nn::Module& model, const optim::Optimizer& optimizer, const RunFolder& run,
               TrainingTask& task, const LoopSettings& settings, const LoopState& state) {
  const distributed::Communicator& world = distributed::Communicator::world();
  if (!world.is_root()) return;
  nn::TrainingCheckpoint extra{optimizer.state(), task.state()};
  extra.metadata[kRanksKey] = std::to_string(world.size());
  if (settings.batch_size > 0) extra.metadata[kBatchKey] = std::to_string(settings.batch_size);
  if (!settings.inputs.empty()) extra.metadata[kInputsKey] = settings.inputs;
  if (task.dropout) extra.metadata[kDropoutKey] = to_string(task.dropout->state());
  extra.metadata[kStepKey] = std::to_string(state.step);
  extra.metadata[kSkippedKey] = std::to_string(state.skipped);
  extra.metadata[kSkippedInARowKey] = std::to_string(state.skipped_in_a_row);
  extra.metadata[kBestKey] = state.best.to_string();
  nn::save_training_checkpoint(run.last_checkpoint(), model, extra);
  discard_earlier_run(run);
}

// A resumed run continues the same global batches only with the same number of processes, each
// taking the same share.
void check_same_batches(const RunFolder& run, const Metadata& metadata, int64_t batch_size) {
  const auto it = metadata.find(kRanksKey);
  const int saved = it == metadata.end() ? 1 : std::stoi(it->second);
  const int ranks = distributed::Communicator::world().size();
  if (saved != ranks)
    throw UsageError(fmt::format(
        "resuming '{}': it was written by a run of {} process(es) and this one has {}: the global "
        "batch (each process's --batch-size), the data position and the dropout streams depend on "
        "the number of processes, so resume it {}",
        run.last_checkpoint(), saved, ranks,
        saved == 1 ? std::string("as one process (without mpirun)")
                   : fmt::format("with {} processes (mpirun -np {})", saved, saved)));
  const auto batch = metadata.find(kBatchKey);
  if (batch_size > 0 && batch != metadata.end() && std::stoll(batch->second) != batch_size)
    throw UsageError(fmt::format(
        "resuming '{}': it was written by a run with --batch-size {} and this one has {}: the data "
        "position is counted in batches, so resume it with --batch-size {}",
        run.last_checkpoint(), batch->second, batch_size, batch->second));
}

// Checked before the checkpoint is loaded: other inputs can mean another model, whose tensors
// would not match, or data the saved position does not fit.
void check_same_inputs(const RunFolder& run, const Metadata& saved, const std::string& inputs) {
  if (inputs.empty()) return;
  const auto it = saved.find(kInputsKey);
  if (it == saved.end() || it->second == inputs) return;
  throw UsageError(fmt::format(
      "resuming '{}': it was started with {} and this run is given {}: its data position, "
      "tokenizer and model belong to what it started with, so resume it with the same flags (or "
      "start afresh with --overwrite)",
      run.last_checkpoint(), it->second, inputs));
}

LoopState load_last(nn::Module& model, optim::Optimizer& optimizer, const RunFolder& run,
                    TrainingTask& task, const LoopSettings& settings, BestScore::Goal goal) {
  const SafetensorsContent content = load_safetensors(run.last_checkpoint());
  check_same_inputs(run, content.metadata, settings.inputs);
  const nn::TrainingCheckpoint extra =
      nn::load_training_checkpoint(content, run.last_checkpoint(), model);
  check_same_batches(run, extra.metadata, settings.batch_size);
  optimizer.load_state(extra.extra_tensors);
  task.restore(extra.metadata);
  LoopState state{.best = BestScore(goal)};
  std::vector<const char*> keys{kStepKey, kBestKey};
  if (task.dropout) keys.push_back(kDropoutKey);
  for (const char* key : keys)
    SG_CHECK(extra.metadata.count(key), "resume from '{}': no '{}' in its metadata",
             run.last_checkpoint(), key);
  if (task.dropout) task.dropout->set_state(parse_generator_state(extra.metadata.at(kDropoutKey)));
  state.step = std::stoll(extra.metadata.at(kStepKey));
  if (auto it = extra.metadata.find(kSkippedKey); it != extra.metadata.end())
    state.skipped = std::stoll(it->second);
  if (auto it = extra.metadata.find(kSkippedInARowKey); it != extra.metadata.end())
    state.skipped_in_a_row = std::stoll(it->second);
  state.best.restore(extra.metadata.at(kBestKey));
  if (distributed::Communicator::world().is_root())
    fmt::print(stderr, "resumed from {} at step {}\n", run.last_checkpoint(), state.step);
  return state;
}

// Every rank starts from rank 0's parameters and optimizer state.
void start_identical(distributed::Communicator& world, nn::Module& model,
                     optim::Optimizer& optimizer) {
  if (world.size() == 1) return;
  distributed::broadcast_parameters(world, model.parameters());
  NamedTensorList state = optimizer.state();
  for (auto& entry : state) world.broadcast(entry.second);
  optimizer.load_state(state);
}

// The loss of the whole global batch and its tokens, from each rank's share; the gradients of this
// rank's share, averaged over the ranks (by `averager`, when there are several).
struct StepLoss {
  float loss = 0.0f;
  int64_t tokens = 0;
};

StepLoss backward_over_ranks(distributed::Communicator& world,
                             std::optional<distributed::GradientAverager>& averager,
                             const Variable& loss, int64_t tokens) {
  if (!averager) {
    loss.backward();
    return {loss.item<float>(), tokens};
  }
  if (loss.defined()) {
    const GradientReadyGuard watch = averager->watch_backward();
    loss.backward();
  }
  averager->finish();
  double sums[2] = {loss.defined() ? loss.item<float>() : 0.0, static_cast<double>(tokens)};
  world.allreduce_sum(sums, 2);
  return {static_cast<float>(sums[0] / world.size()), static_cast<int64_t>(sums[1])};
}

std::vector<std::string> log_columns(const LoopSettings& settings) {
  std::vector<std::string> columns{"step", "epoch", "loss", "lr", "tokens_per_s", kSkippedKey};
  for (const auto& metric : settings.metrics)
    columns.push_back(settings.evaluation_name + "_" + metric);
  return columns;
}

void write_curves(const RunFolder& run, const LoopSettings& settings) {
  const CsvTable table = read_csv(run.log());
  const std::string metric = settings.evaluation_name + " " + settings.metrics.front();
  Series loss{"training loss", {}, {}, SeriesStyle::RawAndSmoothed};
  Series evaluation{
      metric, {}, {}, SeriesStyle::Markers, settings.higher_is_better ? Best::Higher : Best::Lower};
  for (const auto& row : table.rows) {
    loss.x.push_back(row[0]);
    loss.y.push_back(row[2]);
    if (!std::isnan(row[kFixedColumns])) {
      evaluation.x.push_back(row[0]);
      evaluation.y.push_back(row[kFixedColumns]);
    }
  }
  write_svg_plot(run.plot(), {{"training loss", "step", {loss}}, {metric, "step", {evaluation}}});
}

// Evaluates and saves the best model.
Metrics evaluate(TrainingTask& task, const LoopSettings& settings, LoopState& state,
                 Progress& progress) {
  const Metrics metrics = task.evaluate();
  // The log's columns are named up front; a task returning other names or another order would
  // file its figures under the wrong heading (and choose the best model by the wrong one).
  std::vector<std::string> names;
  for (const auto& metric : metrics) names.push_back(metric.first);
  SG_CHECK(names == settings.metrics,
           "run_training: evaluate() returned metrics ({}) where the settings name ({})",
           fmt::join(names, ", "), fmt::join(settings.metrics, ", "));
  std::string line = task.epoch ? fmt::format("epoch {} step {}:", task.epoch(), state.step)
                                : fmt::format("step {}:", state.step);
  for (const auto& [name, value] : metrics)
    line += fmt::format(" {} {} {:.4f}", settings.evaluation_name, name, value);
  line += save_if_best(state.best, metrics.front().second, [&] {
    if (distributed::Communicator::world().is_root()) task.save_best_model(state.best.value());
  });
  progress.message(line);
  return metrics;
}

}  // namespace

std::string absolute_path(const std::string& path) {
  return std::filesystem::weakly_canonical(std::filesystem::absolute(path)).string();
}

LoopResult run_training(nn::Module& model, optim::Optimizer& optimizer,
                        const optim::Schedule& schedule, const RunFolder& run, TrainingTask& task,
                        const LoopSettings& settings) {
  SG_CHECK(!settings.metrics.empty(), "run_training: no evaluation metric named");
  distributed::Communicator& world = distributed::Communicator::world();
  const BestScore::Goal goal =
      settings.higher_is_better ? BestScore::Goal::higher : BestScore::Goal::lower;
  LoopState state{.best = BestScore(goal)};
  if (settings.resume) state = load_last(model, optimizer, run, task, settings, goal);
  start_identical(world, model, optimizer);
  std::optional<distributed::GradientAverager> averager;
  if (world.size() > 1)
    averager.emplace(world, model.parameters(),
                     distributed::AveragerOptions{.bucket_bytes = settings.bucket_bytes});
  std::optional<CsvLog> log;
  if (world.is_root()) log.emplace(run.log(), log_columns(settings), state.step);
  const InterruptHandlers interrupt_handlers;
  Progress progress(settings.total_steps, world.is_root(), state.step);
  const auto started = std::chrono::steady_clock::now();
  const auto result = [&](int status) {
    return LoopResult{
        status,
        state.step == settings.total_steps,
        state.step,
        state.skipped,
        state.best.empty() ? NAN : state.best.value(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()};
  };
  auto last = std::chrono::steady_clock::now();
  // --stop-after counts this sitting's steps: a resumed run stopped at the step it resumed at.
  const int64_t stop_at =
      settings.stop_after > 0 && settings.stop_after <= settings.total_steps - state.step
          ? state.step + settings.stop_after
          : -1;
  while (state.step < settings.total_steps) {
    const int interrupt_status = agreed_interrupt_status(world);
    if (interrupt_status != 0 || state.step == stop_at) {
      save_last(model, optimizer, run, task, settings, state);
      progress.message(
          fmt::format("stopped: saved {}; continue with --resume", run.last_checkpoint()));
      if (log) write_curves(run, settings);  // the curves so far, to judge whether to go on
      return result(interrupt_status);
    }
    int64_t tokens = 0;
    optimizer.set_lr(schedule.lr_at(state.step));
    Variable loss;
    {
      std::optional<RankDropoutStream> dropout;
      if (task.dropout) dropout.emplace(*task.dropout);
      loss = task.next_loss(tokens);
    }
    optimizer.zero_grad();
    const StepLoss step_loss = backward_over_ranks(world, averager, loss, tokens);
    const float loss_value = step_loss.loss;
    tokens = step_loss.tokens;
    const double norm = optim::clip_grad_norm(model.parameters(), settings.clip);
    ++state.step;
    if (std::isfinite(loss_value) && std::isfinite(norm)) {
      optimizer.step();
      state.skipped_in_a_row = 0;
    } else {
      ++state.skipped;
      ++state.skipped_in_a_row;
      progress.message(fmt::format("step {}: loss {} and gradient norm {}: update skipped",
                                   state.step, loss_value, norm));
      if (state.skipped_in_a_row >= settings.max_skipped_in_a_row) {
        const std::string way_out =
            std::filesystem::exists(run.last_checkpoint())
                ? fmt::format("{} is left as it was (try a lower --lr, then --resume)",
                              run.last_checkpoint())
                : "no checkpoint was saved yet (try a lower --lr; a fresh run may use the folder)";
        progress.message(fmt::format(
            "stopped at step {}: {} steps in a row had a non-finite loss or gradient; {}",
            state.step, state.skipped_in_a_row, way_out));
        if (log) write_curves(run, settings);
        return result(1);
      }
    }
    const auto now = std::chrono::steady_clock::now();
    const double tokens_per_s =
        static_cast<double>(tokens) / std::chrono::duration<double>(now - last).count();
    last = now;
    const int64_t epoch = task.epoch ? task.epoch() : 0;
    progress.update({state.step, epoch, loss_value, optimizer.lr(), tokens_per_s});
    std::vector<double> row{static_cast<double>(state.step),
                            static_cast<double>(epoch),
                            loss_value,
                            optimizer.lr(),
                            tokens_per_s,
                            static_cast<double>(state.skipped)};
    row.resize(kFixedColumns + settings.metrics.size(), NAN);
    // No checkpoint while updates are being skipped: if the run diverges, the last one is good.
    const bool evaluate_now = (task.evaluate_after(state.step) && state.skipped_in_a_row == 0) ||
                              state.step == settings.total_steps;
    if (evaluate_now) {
      const Metrics metrics = evaluate(task, settings, state, progress);
      for (size_t i = 0; i < metrics.size(); ++i) row[kFixedColumns + i] = metrics[i].second;
    }
    // The row before the checkpoint: a resume drops rows past its step, but could not bring back
    // a row a kill kept from being written after it.
    if (log) log->write(row);
    if (evaluate_now) save_last(model, optimizer, run, task, settings, state);
  }
  progress.finish();
  if (log) write_curves(run, settings);
  world.barrier();  // the other ranks may read the best model once it is written
  return result(0);
}

}  // namespace sg::examples
