#include <doctest/doctest.h>
#include <sys/resource.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>

#include "child_process.h"
#include "examples/support/csv_log.h"
#include "examples/support/progress.h"
#include "examples/support/training_loop.h"
#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/checkpoint.h"
#include "synthgrad/nn/linear.h"
#include "synthgrad/optim/optim.h"

using namespace sg;
using examples::LoopSettings;
using examples::Metrics;

namespace {

// A linear regression trained by the shared loop, with a step counter that can turn chosen losses
// into NaN and evaluation results that can be scripted.
struct ToyRun {
  examples::RunFolder folder;
  Generator init{7};
  nn::Linear model{4, 1, init};
  optim::Adam optimizer{
      optim::AdamW(optim::decay_groups(model.named_parameters(), 0.01f), {.lr = 0.05f})};
  optim::Schedule schedule{.base_lr = 0.05f, .total_steps = 1000};
  Generator data{11};
  int64_t calls = 0;             // next_loss calls in this process
  std::set<int64_t> nan_calls;   // 1-based calls whose loss is NaN
  std::vector<double> scripted;  // evaluation results in order (else minus the loss)
  int64_t evaluations = 0, best_saves = 0;
  examples::TrainingTask task;

  // A fresh run starts from an empty folder; a resumed one (a new process) keeps it.
  ToyRun(const std::string& name, bool fresh)
      : folder{(std::filesystem::temp_directory_path() / ("sg_loop_" + name)).string()} {
    if (fresh) std::filesystem::remove_all(folder.path);
    std::filesystem::create_directories(folder.path);
    task.next_loss = [this](int64_t& tokens) {
      const Tensor x = randn({8, 4}, data);
      const Tensor y = sum(mul(x, full({4}, 0.5f)), {1}, true);
      tokens = 8;
      Variable loss = mse(model.forward(Variable(x)), Variable(y));
      return nan_calls.count(++calls) ? loss * NAN : loss;
    };
    task.evaluate_after = [](int64_t step) { return step % 2 == 0; };
    task.evaluate = [this]() -> Metrics {
      const size_t i = static_cast<size_t>(evaluations++);
      return {{"score", i < scripted.size() ? scripted[i] : 0.0}};
    };
    task.save_best_model = [this](double) {
      ++best_saves;
      nn::save_module(model, folder.best_model());
    };
    task.state = [this] { return Metadata{{"data_rng", to_string(data.state())}}; };
    task.restore = [this](const Metadata& m) {
      data.set_state(parse_generator_state(m.at("data_rng")));
    };
  }

  examples::LoopResult run(LoopSettings settings) {
    settings.metrics = {"score"};
    return examples::run_training(model, optimizer, schedule, folder, task, settings);
  }
  std::vector<float> weights() const { return model.weight.data().to_vector<float>(); }
};

}  // namespace

TEST_CASE("a run stopped half-way and resumed ends bit-identical to an uninterrupted one") {
  ToyRun whole("whole", true);
  CHECK(whole.run({.total_steps = 12}).finished);
  ToyRun half("half", true);
  // What --overwrite set aside goes once this run has saved a checkpoint.
  std::filesystem::create_directories(half.folder.earlier_run());
  const auto stopped = half.run({.total_steps = 12, .stop_after = 5});
  CHECK_FALSE(std::filesystem::exists(half.folder.earlier_run()));
  CHECK_FALSE(stopped.finished);
  CHECK(stopped.step == 5);
  ToyRun resumed("half", false);
  const auto done = resumed.run({.total_steps = 12, .resume = true});
  CHECK(done.finished);
  CHECK(resumed.weights() == whole.weights());
  CHECK(to_string(resumed.data.state()) == to_string(whole.data.state()));
  CHECK(examples::read_csv(half.folder.log()).rows.size() == 12);
}

TEST_CASE("an evaluation's log row is written before its checkpoint, which a resume keeps") {
  // The checkpoint of step 4 fails as a kill during its write would: the row of step 4 was lost
  // when it came after the checkpoint, and a resume from step 2 never wrote it again.
  ToyRun killed("row_before_checkpoint", true);
  const auto state = killed.task.state;
  killed.task.state = [&] {
    if (killed.calls == 4) throw std::runtime_error("killed while saving");
    return state();
  };
  CHECK_THROWS(killed.run({.total_steps = 6}));
  CHECK(examples::read_csv(killed.folder.log()).rows.size() == 4);
  ToyRun resumed("row_before_checkpoint", false);
  CHECK(resumed.run({.total_steps = 6, .resume = true}).finished);
  std::vector<double> steps;
  for (const auto& row : examples::read_csv(resumed.folder.log()).rows) steps.push_back(row[0]);
  CHECK(steps == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("a streak of skipped updates goes on across a stop and a resume") {
  // Steps 3 and 4 skipped, then a stop; the resumed sitting skips 2 more: 4 in a row, the limit.
  // The streak restarted at 0 in every sitting, so a diverged run resumed again and again never
  // ended.
  ToyRun first("streak", true);
  first.nan_calls = {3, 4};
  const LoopSettings settings{.total_steps = 12, .max_skipped_in_a_row = 4};
  LoopSettings stop_at_4 = settings;
  stop_at_4.stop_after = 4;
  CHECK(first.run(stop_at_4).exit_status == 0);
  ToyRun resumed("streak", false);
  resumed.nan_calls = {1, 2};
  LoopSettings resume = settings;
  resume.resume = true;
  const auto result = resumed.run(resume);
  CHECK(result.exit_status == 1);
  CHECK(result.step == 6);
}

TEST_CASE("--stop-after counts the steps of each sitting, so a resumed run goes on and stops") {
  ToyRun whole("sittings_whole", true);
  whole.run({.total_steps = 12});
  ToyRun first("sittings", true);
  CHECK(first.run({.total_steps = 12, .stop_after = 5}).step == 5);
  // Stopping after 3 more steps: at step 8, neither at 5 again (every sitting stopped where it
  // resumed) nor never (the stop was passed).
  for (const int64_t stop : {8, 11}) {
    ToyRun sitting("sittings", false);
    const auto result = sitting.run({.total_steps = 12, .stop_after = 3, .resume = true});
    CHECK_FALSE(result.finished);
    CHECK(result.step == stop);
  }
  ToyRun last("sittings", false);
  CHECK(last.run({.total_steps = 12, .stop_after = 3, .resume = true}).finished);
  CHECK(last.weights() == whole.weights());
}

TEST_CASE("a stopped run draws its curves so far, before any evaluation too") {
  for (const int64_t stop : {1, 3}) {  // before the first evaluation (step 2), and after it
    ToyRun stopped("curves_at_stop", true);
    CHECK(stopped.run({.total_steps = 12, .stop_after = stop}).step == stop);
    std::ifstream svg(stopped.folder.plot());
    const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
    CHECK(text.find("<svg") != std::string::npos);
    CHECK(text.find("</svg>") != std::string::npos);
  }
}

TEST_CASE("a resumed sitting told to stop further than int64 counts runs to the end") {
  ToyRun first("far_stop", true);
  CHECK(first.run({.total_steps = 12, .stop_after = 5}).step == 5);
  ToyRun far("far_stop", false);  // step 5 + 2^63 - 1 overflowed
  CHECK(
      far.run(
             {.total_steps = 12, .stop_after = std::numeric_limits<int64_t>::max(), .resume = true})
          .finished);
}

TEST_CASE("a step with a non-finite loss is skipped, counted and logged, and training goes on") {
  ToyRun with_nan("nan", true), without("clean", true);
  with_nan.nan_calls = {4};
  const auto result = with_nan.run({.total_steps = 4});
  without.run({.total_steps = 3});
  CHECK(result.finished);
  CHECK(result.skipped_steps == 1);
  // The skipped step changed nothing: four steps with the fourth skipped equal three steps.
  CHECK(with_nan.weights() == without.weights());
  const auto log = examples::read_csv(with_nan.folder.log());
  REQUIRE(log.rows.size() == 4);
  CHECK(std::isnan(log.rows[3][2]));
  CHECK(log.rows[3][5] == 1.0);
  CHECK(log.rows[2][5] == 0.0);
}

TEST_CASE(
    "too many skipped steps in a row stop the run, and the last checkpoint stays and resumes") {
  ToyRun run("diverged", true);
  run.nan_calls = {5, 6, 7, 8, 9};
  const auto result = run.run({.total_steps = 12, .max_skipped_in_a_row = 3});
  CHECK(result.exit_status == 1);
  CHECK_FALSE(result.finished);
  CHECK(result.step == 7);
  // The last checkpoint is the one of the evaluation at step 4, not a model from after the NaNs.
  CHECK(load_safetensors(run.folder.last_checkpoint()).metadata.at("step") == "4");
  ToyRun again("diverged", false);
  const auto resumed = again.run({.total_steps = 12, .resume = true});
  CHECK(resumed.finished);
  for (float w : again.weights()) CHECK(std::isfinite(w));
  // Steps 5-7 ran twice; the log keeps the resumed run's: one row per step, in order.
  const auto log = examples::read_csv(run.folder.log());
  REQUIRE(log.rows.size() == 12);
  for (size_t i = 0; i < log.rows.size(); ++i) CHECK(log.rows[i][0] == static_cast<double>(i + 1));
}

TEST_CASE("the first evaluation always saves the best model and a NaN never beats a number") {
  ToyRun run("best", true);
  run.scripted = {NAN, 0.5, NAN, 0.4, 0.7};
  const auto result = run.run({.total_steps = 10});
  CHECK(run.evaluations == 5);
  CHECK(run.best_saves == 3);  // the NaN first, then 0.5, then 0.7
  CHECK(result.best == 0.7);
  CHECK(std::filesystem::exists(run.folder.best_model()));
}

namespace {

// A fresh run in folder args[1] (one per test: CTest runs tests in parallel) that receives
// args[0] signals (SIGTERM, or the signal numbered args[2]) during its third step, as a cluster
// preempting it would send them; returns the loop's exit status if the process is still alive.
int terminated_run(const std::vector<std::string>& args) {
  ToyRun run(args.at(1), true);
  const int signals = std::stoi(args.at(0));
  const int signal = args.size() > 2 ? std::stoi(args[2]) : SIGTERM;
  auto next_loss = run.task.next_loss;
  run.task.next_loss = [&](int64_t& tokens) {
    if (run.calls == 2)
      for (int i = 0; i < signals; ++i) std::raise(signal);
    return next_loss(tokens);
  };
  return run.run({.total_steps = 12}).exit_status;
}
SG_CHILD_ROUTINE("terminated_run", terminated_run);

// A run that finishes, then gets SIGTERM while the program goes on (scoring the test split):
// returns 0 only if the signal did not end the process.
int signal_after_the_loop(const std::vector<std::string>& args) {
  ToyRun run(args.at(0), true);
  if (!run.run({.total_steps = 4}).finished) return 2;
  std::raise(SIGTERM);
  return 0;
}
SG_CHILD_ROUTINE("signal_after_the_loop", signal_after_the_loop);

}  // namespace

TEST_CASE("SIGTERM saves a checkpoint and exits like Ctrl-C, and the run resumes from it") {
  CHECK(sg::testing::run_child("terminated_run", {"1", "sigterm_once"}) == 128 + SIGTERM);
  ToyRun resumed("sigterm_once", false);
  CHECK(load_safetensors(resumed.folder.last_checkpoint()).metadata.at("step") == "3");
  CHECK(resumed.run({.total_steps = 12, .resume = true}).finished);
  ToyRun whole("sigterm_whole", true);
  whole.run({.total_steps = 12});
  CHECK(resumed.weights() == whole.weights());
}

// mpirun passes SIGUSR1 on to every rank at once (its SIGINT reaches them a second late).
TEST_CASE("a signal after the loop ends the program, as no loop is there to read it") {
  CHECK(sg::testing::run_child("signal_after_the_loop", {"signal_after"}) == 128 + SIGTERM);
}

TEST_CASE("SIGUSR1 stops the run as SIGTERM does, after saving a checkpoint") {
  CHECK(sg::testing::run_child("terminated_run", {"1", "sigusr1_once", std::to_string(SIGUSR1)}) ==
        128 + SIGUSR1);
  const ToyRun stopped("sigusr1_once", false);
  CHECK(load_safetensors(stopped.folder.last_checkpoint()).metadata.at("step") == "3");
}

TEST_CASE("a second SIGTERM ends the run at once, leaving the last evaluation's checkpoint") {
  CHECK(sg::testing::run_child("terminated_run", {"2", "sigterm_twice"}) == 128 + SIGTERM);
  const ToyRun killed("sigterm_twice", false);
  CHECK(load_safetensors(killed.folder.last_checkpoint()).metadata.at("step") == "2");
}

namespace {

// Resumes the run "full_disk" with files limited to a few hundred bytes, as on a full disk: the
// next save fails. 10 when the error says which file, why, and that the old file is kept.
int run_on_full_disk(const std::vector<std::string>&) {
  ToyRun run("full_disk", false);
  std::signal(SIGXFSZ, SIG_IGN);  // a failed write instead of a killed process
  const rlimit limit{256, RLIM_INFINITY};
  setrlimit(RLIMIT_FSIZE, &limit);
  try {
    run.run({.total_steps = 12, .resume = true});
  } catch (const Error& e) {
    const std::string message = e.what();
    std::cerr << message << "\n";
    const bool names_file = message.find(run.folder.path + "/") != std::string::npos;
    const bool says_why = message.find(std::strerror(EFBIG)) != std::string::npos;
    return names_file && says_why && message.find("is left as it was") != std::string::npos ? 10
                                                                                            : 11;
  }
  return 0;
}
SG_CHILD_ROUTINE("run_on_full_disk", run_on_full_disk);

}  // namespace

TEST_CASE(
    "a save that fails on a full disk stops the run saying why, and the last checkpoint resumes") {
  ToyRun first("full_disk", true);
  first.run({.total_steps = 12, .stop_after = 3});
  CHECK(sg::testing::run_child("run_on_full_disk", {}) == 10);
  CHECK(load_safetensors(first.folder.last_checkpoint()).metadata.at("step") == "3");
  ToyRun resumed("full_disk", false);
  CHECK(resumed.run({.total_steps = 12, .resume = true}).finished);
  ToyRun whole("full_disk_whole", true);
  whole.run({.total_steps = 12});
  CHECK(resumed.weights() == whole.weights());
}

namespace {

// Appends log rows with files limited to a few hundred bytes until one fails. 10 when the error
// names the log and says why.
int log_on_full_disk(const std::vector<std::string>& args) {
  std::signal(SIGXFSZ, SIG_IGN);
  const rlimit limit{256, RLIM_INFINITY};
  setrlimit(RLIMIT_FSIZE, &limit);
  examples::CsvLog log(args.at(0), {"step", "loss"});
  try {
    for (int step = 1; step <= 1000; ++step) log.write({static_cast<double>(step), 0.123456789});
  } catch (const Error& e) {
    const std::string message = e.what();
    std::cerr << message << "\n";
    return message.find(args.at(0)) != std::string::npos &&
                   message.find(std::strerror(EFBIG)) != std::string::npos
               ? 10
               : 11;
  }
  return 0;
}
SG_CHILD_ROUTINE("log_on_full_disk", log_on_full_disk);

}  // namespace

TEST_CASE("a log row that cannot be written is an error naming the file, not a silent gap") {
  const auto path = std::filesystem::temp_directory_path() / "sg_loop_full_log.csv";
  std::filesystem::remove(path);
  CHECK(sg::testing::run_child("log_on_full_disk", {path.string()}) == 10);
}

TEST_CASE("a log keeps steps past a million whole, and a resume keeps the rows up to its step") {
  const auto path = std::filesystem::temp_directory_path() / "sg_loop_big_steps.csv";
  std::filesystem::remove(path);
  {
    examples::CsvLog log(path.string(), {"step", "loss"});
    for (int64_t step = 1234561; step <= 1234569; ++step)
      log.write({static_cast<double>(step), 0.123456789});
  }
  // At 6 significant digits every row read 1.23456e+06: the resume kept 5 rows, not 4.
  examples::CsvLog resumed(path.string(), {"step", "loss"}, 1234564);
  resumed.write({1234565.0, 0.5});
  const examples::CsvTable table = examples::read_csv(path.string());
  REQUIRE(table.rows.size() == 5);
  CHECK(table.rows[3][0] == 1234564.0);
  CHECK(table.rows[4][0] == 1234565.0);
  CHECK(table.rows[0][1] == doctest::Approx(0.123457));
  std::filesystem::remove(path);
}

TEST_CASE("metrics named otherwise than the log's columns are an error, not a mislabelled log") {
  ToyRun run("misnamed", true);
  run.task.evaluate = []() -> Metrics { return {{"accuracy", 0.5}}; };
  CHECK(sg::testing::error_message([&] { run.run({.total_steps = 2}); }) ==
        "run_training: evaluate() returned metrics (accuracy) where the settings name (score)");
}

TEST_CASE("the time left is from this sitting's pace, not the steps a resumed run began with") {
  // Resumed at step 900 of 1000, 10 steps in 5 s: 90 steps left take 45 s (not 0.5 s).
  CHECK(examples::remaining_seconds(5.0, 900, 910, 1000) == 45.0);
  CHECK(examples::remaining_seconds(5.0, 0, 10, 1000) == 495.0);
  CHECK(examples::remaining_seconds(0.0, 900, 900, 1000) == 0.0);
}
