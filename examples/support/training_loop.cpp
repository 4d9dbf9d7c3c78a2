#include "examples/support/training_loop.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>

#include "examples/support/best_score.h"
#include "examples/support/csv_log.h"
#include "examples/support/interrupt.h"
#include "examples/support/progress.h"
#include "examples/support/svg_plot.h"
#include "synthgrad/core/error.h"
#include "synthgrad/nn/checkpoint.h"
#include "synthgrad/optim/clip.h"

namespace sg::examples {

namespace {

// The loop's own part of the last checkpoint's metadata.
constexpr const char* kStepKey = "step";
constexpr const char* kBestKey = "best_metric";
constexpr const char* kSkippedKey = "skipped_steps";
// step, epoch, loss, lr, tokens_per_s, skipped_steps; then one column per metric.
constexpr size_t kFixedColumns = 6;

struct LoopState {
  int64_t step = 0;
  int64_t skipped = 0;
  BestScore best;
};

void save_last(const nn::Module& model, const optim::Optimizer& optimizer, const RunFolder& run,
               TrainingTask& task, const LoopState& state) {
  nn::TrainingCheckpoint extra{optimizer.state(), task.state()};
  extra.metadata[kStepKey] = std::to_string(state.step);
  extra.metadata[kSkippedKey] = std::to_string(state.skipped);
  extra.metadata[kBestKey] = state.best.to_string();
  nn::save_training_checkpoint(run.last_checkpoint(), model, extra);
}

LoopState load_last(nn::Module& model, optim::Optimizer& optimizer, const RunFolder& run,
                    TrainingTask& task, BestScore::Goal goal) {
  const nn::TrainingCheckpoint extra = nn::load_training_checkpoint(run.last_checkpoint(), model);
  optimizer.load_state(extra.extra_tensors);
  task.restore(extra.metadata);
  LoopState state{.best = BestScore(goal)};
  for (const char* key : {kStepKey, kBestKey})
    SG_CHECK(extra.metadata.count(key), "resume from '{}': no '{}' in its metadata",
             run.last_checkpoint(), key);
  state.step = std::stoll(extra.metadata.at(kStepKey));
  if (auto it = extra.metadata.find(kSkippedKey); it != extra.metadata.end())
    state.skipped = std::stoll(it->second);
  state.best.restore(extra.metadata.at(kBestKey));
  fmt::print(stderr, "resumed from {} at step {}\n", run.last_checkpoint(), state.step);
  return state;
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

// Evaluates, saves the best model and the last checkpoint.
Metrics evaluate(nn::Module& model, optim::Optimizer& optimizer, const RunFolder& run,
                 TrainingTask& task, const LoopSettings& settings, LoopState& state,
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
  line += save_if_best(state.best, metrics.front().second,
                       [&] { task.save_best_model(state.best.value()); });
  progress.message(line);
  save_last(model, optimizer, run, task, state);
  return metrics;
}

}  // namespace

LoopResult run_training(nn::Module& model, optim::Optimizer& optimizer,
                        const optim::Schedule& schedule, const RunFolder& run, TrainingTask& task,
                        const LoopSettings& settings) {
  SG_CHECK(!settings.metrics.empty(), "run_training: no evaluation metric named");
  const BestScore::Goal goal =
      settings.higher_is_better ? BestScore::Goal::higher : BestScore::Goal::lower;
  LoopState state{.best = BestScore(goal)};
  if (settings.resume) state = load_last(model, optimizer, run, task, goal);
  CsvLog log(run.log(), log_columns(settings));
  install_interrupt_handler();
  Progress progress(settings.total_steps);
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
  int64_t skipped_in_a_row = 0;
  auto last = std::chrono::steady_clock::now();
  while (state.step < settings.total_steps) {
    if (interrupted() || (settings.stop_after > 0 && state.step == settings.stop_after)) {
      save_last(model, optimizer, run, task, state);
      progress.message(
          fmt::format("stopped: saved {}; continue with --resume", run.last_checkpoint()));
      return result(interrupt_exit_status());
    }
    int64_t tokens = 0;
    optimizer.set_lr(schedule.lr_at(state.step));
    Variable loss = task.next_loss(tokens);
    optimizer.zero_grad();
    loss.backward();
    const float loss_value = loss.item<float>();
    const double norm = optim::clip_grad_norm(model.parameters(), settings.clip);
    ++state.step;
    if (std::isfinite(loss_value) && std::isfinite(norm)) {
      optimizer.step();
      skipped_in_a_row = 0;
    } else {
      ++state.skipped;
      ++skipped_in_a_row;
      progress.message(fmt::format("step {}: loss {} and gradient norm {}: update skipped",
                                   state.step, loss_value, norm));
      if (skipped_in_a_row >= settings.max_skipped_in_a_row) {
        progress.message(fmt::format(
            "stopped at step {}: {} steps in a row had a non-finite loss or gradient; {} is left "
            "as it was (try a lower --lr, then --resume)",
            state.step, skipped_in_a_row, run.last_checkpoint()));
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
    const bool evaluate_now = (task.evaluate_after(state.step) && skipped_in_a_row == 0) ||
                              state.step == settings.total_steps;
    if (evaluate_now) {
      const Metrics metrics = evaluate(model, optimizer, run, task, settings, state, progress);
      for (size_t i = 0; i < metrics.size(); ++i) row[kFixedColumns + i] = metrics[i].second;
    }
    log.write(row);
  }
  progress.finish();
  write_curves(run, settings);
  return result(0);
}

}  // namespace sg::examples
