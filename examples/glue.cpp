// Trains and evaluates encoder classifiers with any attention variant on GLUE tasks (or any task
// in the SST-2 TSV format): from scratch or from a pre-trained trunk, one run or the whole
// benchmark table; predicts the test split in the GLUE submission format.
//
//   glue train --task SST-2 --data ../shared/data/glue/SST-2 --attention R+V --out runs/sst2
//   glue train --task RTE --data ../shared/data/glue/RTE --init-from runs/pt/best.safetensors
//     --out runs/rte
//   glue benchmark --tasks CoLA,SST-2,MRPC,STS-B,RTE --attention V,R+V --seeds-small 3
//     --init-from 'runs/pt-{attention}/best.safetensors' --data-root ../shared/data/glue
//     --out runs/glue
//   glue predict --checkpoint runs/sst2/best.safetensors --data ../shared/data/glue/SST-2
//     --out SST-2.tsv
#include <fmt/core.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "examples/glue/benchmark.h"
#include "examples/glue/train.h"
#include "examples/support/cli.h"
#include "examples/support/tokenizers.h"
#include "synthgrad/data/data.h"
#include "synthgrad/models/checkpoint.h"

using namespace sg;

namespace {

struct PredictOptions {
  std::string checkpoint, data, out, split = "test";
  int64_t batch_size = 64;
};

// The task a checkpoint was trained on, with the label names it was trained with: a TSV task's
// labels come from the train split then, which the folder to predict need not have or may have
// changed.
data::TaskSpec checkpoint_task(const std::string& checkpoint) {
  const Metadata metadata = load_safetensors(checkpoint).metadata;
  const bool listed = metadata.count("label_names") > 0;
  SG_CHECK(metadata.count("task") && (listed || metadata.count("labels")),
           "glue predict: '{}' has no task name or label names in its metadata", checkpoint);
  const std::string& name = metadata.at("task");
  if (auto task = glue::glue_task_named(name)) return *task;
  std::vector<std::string> labels;
  if (listed) {
    try {
      labels = nlohmann::json::parse(metadata.at("label_names")).get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception& e) {
      fail("glue predict: '{}' has label names that are not a JSON list of strings: {}", checkpoint,
           e.what());
    }
  } else {  // a checkpoint of 0.2: the names joined by tabs
    std::istringstream joined(metadata.at("labels"));
    for (std::string label; std::getline(joined, label, '\t');) labels.push_back(label);
  }
  SG_CHECK(!labels.empty(), "glue predict: '{}' has no label names for task {}", checkpoint, name);
  return data::tsv_task(name, std::move(labels));
}

// A label as one TSV field: quoted as the TSV tasks' own files quote (RFC 4180) when it holds a
// tab, a line break or a quote.
std::string tsv_field(const std::string& label) {
  if (label.find_first_of("\t\r\n\"") == std::string::npos) return label;
  std::string quoted = "\"";
  for (const char c : label) {
    if (c == '"') quoted += '"';  // doubled inside quotes
    quoted += c;
  }
  return quoted + "\"";
}

int predict_test(const PredictOptions& o) {
  auto model = models::load_encoder_classifier(o.checkpoint);
  const data::TaskSpec task = checkpoint_task(o.checkpoint);
  const auto tokenizer = examples::load_tokenizer_beside(o.checkpoint, model->config().vocab_size);
  try {
    task.split_file(o.split);
  } catch (const Error& e) {
    throw examples::UsageError(fmt::format("--split: {}", e.what()));
  }
  const auto examples = data::read_split(task, o.data, o.split);
  const auto encoded = data::encode_dataset(*tokenizer, task, examples, model->config().max_length);
  const std::vector<double> predicted = glue::predict(*model, encoded, o.batch_size);
  std::string text = "index\tprediction\n";
  for (size_t i = 0; i < predicted.size(); ++i)
    text += task.is_regression
                ? fmt::format("{}\t{:.3f}\n", i, predicted[i])
                : fmt::format("{}\t{}\n", i,
                              tsv_field(task.label_names.at(static_cast<size_t>(predicted[i]))));
  data::write_text_file(o.out, text);
  fmt::print("{} predictions for {} {} written to {}\n", predicted.size(), task.name, o.split,
             o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train and evaluate encoder classifiers on GLUE-format tasks", "glue"};
  app.require_subcommand(1);
  glue::TrainOptions train_options;
  glue::BenchmarkOptions benchmark_options;
  PredictOptions predict_options;
  auto* train_cmd =
      app.add_subcommand("train", "train on train.tsv, evaluate on dev.tsv after every epoch");
  glue::add_train_options(*train_cmd, train_options);
  auto* benchmark_cmd = app.add_subcommand(
      "benchmark", "train every task x attention variant x seed; write results.md and results.csv");
  glue::add_benchmark_options(*benchmark_cmd, benchmark_options);
  auto* predict_cmd =
      app.add_subcommand("predict", "write test-split predictions in the GLUE submission format");
  predict_cmd
      ->add_option("--checkpoint", predict_options.checkpoint, "a best.safetensors of glue train")
      ->required()
      ->check(CLI::ExistingFile);
  predict_cmd
      ->add_option("--data", predict_options.data,
                   "the folder of the split to predict (test.tsv); label names come from the "
                   "checkpoint")
      ->required()
      ->check(CLI::ExistingDirectory);
  predict_cmd->add_option("--out", predict_options.out, "predictions file (TSV)")->required();
  predict_cmd->add_option("--split", predict_options.split, "split to predict")
      ->capture_default_str();
  return examples::run_cli(app, argc, argv, [&] {
    if (train_cmd->parsed()) {
      return glue::train(train_options).exit_status;
    }
    if (benchmark_cmd->parsed()) {
      return glue::benchmark(benchmark_options);
    }
    return predict_test(predict_options);
  });
}
