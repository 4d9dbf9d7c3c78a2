#include "examples/glue/benchmark.h"
#include "examples/support/model_options.h"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "examples/support/benchmark_table.h"
#include "examples/support/cli.h"
#include "examples/support/run_folder.h"
#include "synthgrad/core/error.h"
#include "synthgrad/data/files.h"
#include "synthgrad/distributed/communicator.h"
#include "synthgrad/models/pretrained_trunk.h"
#include "synthgrad/nn/attention/config.h"

namespace sg::glue {

namespace {

// The GLUE tasks whose dev scores vary most from seed to seed.
bool is_small_task(const std::string& task) {
  static const std::set<std::string> small = {"CoLA", "MRPC", "STS-B", "RTE", "WNLI"};
  return small.contains(task);
}

std::string init_from_for(const std::string& pattern, const std::string& variant) {
  if (pattern == "none") return "";
  std::string path = pattern;
  constexpr std::string_view kPlaceholder = "{attention}";
  for (size_t at = path.find(kPlaceholder); at != std::string::npos;
       at = path.find(kPlaceholder, at + variant.size()))
    path.replace(at, kPlaceholder.size(), variant);
  if (!std::filesystem::is_regular_file(path))
    throw examples::UsageError(
        fmt::format("--init-from: no checkpoint '{}' for attention {}", path, variant));
  return path;
}

// Each variant fine-tunes a trunk pre-trained with that variant.
void check_trunk_variant(const std::string& pattern, const std::string& variant) {
  const std::string path = init_from_for(pattern, variant);
  if (path.empty()) return;
  const std::string pretrained = models::pretrained_config(path).attention;
  if (pretrained != variant)
    throw examples::UsageError(
        fmt::format("--init-from: '{}' holds a trunk of {} attention, not {}: give a pattern with "
                    "{{attention}} "
                    "for one trunk per variant",
                    path, pretrained, variant));
}

// A finished run leaves its best model's dev metrics here, one "metric<TAB>value" a line.
std::string result_file(const std::string& run_folder) {
  return run_folder + "/result.tsv";
}

void write_result(const std::string& run_folder, const data::MetricValues& metrics) {
  std::string text;
  for (const auto& [name, value] : metrics) text += fmt::format("{}\t{}\n", name, value);
  data::write_text_file(result_file(run_folder), text);
}

data::MetricValues read_result(const std::string& run_folder) {
  const std::string path = result_file(run_folder);
  std::ifstream in(path);
  data::MetricValues metrics;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    const size_t tab = line.find('\t');
    SG_CHECK(tab != std::string::npos, "{}:{}: expected 'metric<TAB>value'", path, line_number);
    try {
      metrics.emplace_back(line.substr(0, tab), std::stod(line.substr(tab + 1)));
    } catch (const std::exception&) {
      fail("{}:{}: '{}' is not a number", path, line_number, line.substr(tab + 1));
    }
  }
  SG_CHECK(!metrics.empty(), "{}: no metrics", path);
  return metrics;
}

// One glue train run of the benchmark: resumed when its folder holds a last checkpoint, started
// afresh (over any leftovers of a run stopped before its first checkpoint) otherwise.
TrainOptions run_options(const BenchmarkOptions& b, const std::string& task,
                         const std::string& variant, int64_t seed_index) {
  TrainOptions o = b.train;
  o.task = task;
  o.data = b.data_root + "/" + task;
  o.out = fmt::format("{}/{}/{}/seed{}", b.out, task, variant, seed_index);
  o.model.attention = variant;
  o.model.seed = b.train.model.seed + static_cast<uint64_t>(seed_index);
  o.init_from = init_from_for(b.init_from, variant);
  o.given_flags.insert("--attention");
  o.resume = std::filesystem::exists(examples::RunFolder{o.out}.last_checkpoint());
  o.overwrite = !o.resume;
  return o;
}

// What decides a run's result besides its task, variant and seed: a rerun into the same folder
// with other settings would otherwise publish the old runs' results as the new ones'.
std::string result_settings(const BenchmarkOptions& b) {
  models::ModelConfig model = b.train.model;
  model.attention.clear();  // each run's own
  const TrainOptions& t = b.train;
  return fmt::format(
      "model {}\ntokenizer {} min-count {} vocab-size {}\nepochs {} batch-size {} max-steps {}\n"
      "lr {} weight-decay {} warmup {} clip {} embedding-lr-scale {}{}\ninit-from {}\ndata-root "
      "{}\n",
      models::to_json(model), t.tokenizer.kind, t.tokenizer.min_count, t.tokenizer.vocab_size,
      t.epochs, t.batch_size, t.max_steps, t.lr, t.weight_decay, t.warmup_fraction, t.clip,
      t.embedding_lr_scale,
      // Written only when given, so that folders of earlier runs continue.
      t.class_weights == "none" ? "" : " class-weights " + t.class_weights, b.init_from,
      std::filesystem::weakly_canonical(b.data_root).string());
}

// The first run of a benchmark folder records its settings; a later one must have the same.
void check_settings(const BenchmarkOptions& b) {
  const std::string path = b.out + "/settings.txt";
  const std::string settings = result_settings(b);
  if (!std::filesystem::exists(path)) {
    std::filesystem::create_directories(b.out);
    data::write_text_file(path, settings);
    return;
  }
  std::istringstream recorded(data::read_text_file(path, "glue benchmark")), wanted(settings);
  for (std::string old_line, new_line; std::getline(wanted, new_line);)
    if (!std::getline(recorded, old_line) || old_line != new_line)
      throw examples::UsageError(fmt::format(
          "glue benchmark: '{}' holds runs made with other settings ({}: '{}', now '{}'); give "
          "another --out, or the flags of those runs to continue them",
          b.out, path, old_line, new_line));
}

// A task or variant listed twice would be counted as more seeds of one run.
void check_listed_once(const std::vector<std::string>& names, const char* flag) {
  std::set<std::string> seen;
  for (const std::string& name : names)
    if (!seen.insert(name).second)
      throw examples::UsageError(fmt::format("{}: '{}' is listed twice", flag, name));
}

void write_tables(const std::string& out, const std::vector<examples::RunScore>& scores) {
  const examples::BenchmarkTable table = examples::tabulate(scores);
  const std::string markdown = examples::to_markdown(table);
  data::write_text_file(out + "/results.md", markdown);
  data::write_text_file(out + "/results.csv", examples::to_csv(table));
  fmt::print("{}\nwritten to {}/results.md and {}/results.csv\n", markdown, out, out);
}

}  // namespace

// Under mpirun every run is data-parallel; rank 0 alone writes and prints, and the others read
// what it wrote once it has.
int benchmark(const BenchmarkOptions& b) {
  distributed::Communicator& world = distributed::Communicator::world();
  // Every input is checked before the first run, so that no run is wasted on a later typo.
  for (const std::string& task : b.tasks) {
    if (!std::filesystem::is_directory(b.data_root + "/" + task))
      throw examples::UsageError(fmt::format(
          "--data-root {}: no folder '{}' for task {} (--data-root is the folder that holds one "
          "folder per task)",
          b.data_root, task, task));
    check_task_files(task, b.data_root + "/" + task);
  }
  check_listed_once(b.tasks, "--tasks");
  check_listed_once(b.variants, "--attention");
  for (const std::string& variant : b.variants) check_trunk_variant(b.init_from, variant);
  if (world.is_root()) check_settings(b);
  world.barrier();
  std::vector<examples::RunScore> scores;
  for (const std::string& task : b.tasks)
    for (const std::string& variant : b.variants) {
      const int64_t seeds = is_small_task(task) && b.seeds_small > 0 ? b.seeds_small : b.seeds;
      for (int64_t k = 0; k < seeds; ++k) {
        const TrainOptions o = run_options(b, task, variant, k);
        if (std::filesystem::exists(result_file(o.out))) {
          if (world.is_root()) fmt::print(stderr, "{}: finished earlier\n", o.out);
        } else {
          if (world.is_root())
            fmt::print(stderr, "{}: {} with {} attention, seed {}\n", o.out, task, variant,
                       o.model.seed);
          const TrainResult result = train(o);
          if (!result.finished) {
            if (world.is_root())
              fmt::print(stderr, "glue benchmark stopped in {}: run it again to continue\n", o.out);
            return result.exit_status;
          }
          if (world.is_root()) write_result(o.out, result.best_dev);
          world.barrier();
        }
        scores.push_back({task, variant, read_result(o.out)});
      }
    }
  if (world.is_root()) write_tables(b.out, scores);
  return 0;
}

void add_benchmark_options(CLI::App& cmd, BenchmarkOptions& o) {
  cmd.add_option("--tasks", o.tasks, "comma-separated tasks, e.g. CoLA,SST-2,MRPC,STS-B,RTE")
      ->required()
      ->delimiter(',')
      ->transform(canonical_task_name);
  cmd.add_option("--data-root", o.data_root, "the folder holding <TASK>/train.tsv and dev.tsv")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd.add_option("--out", o.out, "folder of the runs (<task>/<variant>/seed<k>) and the tables")
      ->required();
  add_training_options(cmd, o.train);
  // One --attention list instead of glue train's single variant.
  cmd.remove_option(cmd.get_option("--attention"));
  cmd.add_option("--attention", o.variants, "comma-separated attention variants, e.g. V,R+V")
      ->required()
      ->delimiter(',')
      ->check(examples::variant_check());
  cmd.remove_option(cmd.get_option("--resume"));
  cmd.remove_option(cmd.get_option("--overwrite"));
  cmd.add_option("--init-from", o.init_from,
                 "'none', or a pre-trained checkpoint for every variant, or a pattern such as "
                 "runs/pt-{attention}/best.safetensors for one per variant")
      ->capture_default_str();
  cmd.add_option("--seeds", o.seeds, "runs per task and variant (seeds --seed, --seed + 1, ...)")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--seeds-small", o.seeds_small,
                 "runs per variant of the small tasks CoLA, MRPC, STS-B, RTE, WNLI (0: --seeds)")
      ->capture_default_str()
      ->check(examples::non_negative());
}

}  // namespace sg::glue
