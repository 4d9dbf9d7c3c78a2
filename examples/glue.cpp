// Fine-tunes (from scratch) an encoder classifier with any attention variant on a GLUE task, or
// on any task in the SST-2 TSV format, evaluating on dev after every epoch; predicts the test split
// in the GLUE submission format.
//
//   glue train --task SST-2 --data ../shared/data/glue/SST-2 --attention R+V --out runs/sst2
//   glue predict --checkpoint runs/sst2/best.safetensors --data ../shared/data/glue/SST-2 --out
//   SST-2.tsv
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "autograd/autograd.h"
#include "core/core.h"
#include "data/data.h"
#include "examples/support/cli.h"
#include "examples/support/model_options.h"
#include "examples/support/run_folder.h"
#include "examples/support/tokenizers.h"
#include "examples/support/training_loop.h"
#include "models/checkpoint.h"
#include "nn/checkpoint.h"
#include "optim/optim.h"

using namespace sg;

namespace {

struct TrainOptions {
  std::string task, data, out;
  models::ModelConfig model{.dim = 128, .heads = 4, .layers = 2, .max_length = 64};
  examples::TokenizerChoice tokenizer;
  int64_t epochs = 3, batch_size = 32, max_steps = 0, threads = 0, stop_after = 0;
  float lr = 1e-3f, weight_decay = 0.01f, warmup_fraction = 0.1f, clip = 1.0f;
  bool resume = false, overwrite = false;
};

// The GLUE task of that name, if there is one: any other name is a task in the SST-2 TSV format.
std::optional<data::TaskSpec> glue_task_named(const std::string& name) {
  for (const auto& task : data::glue_tasks())
    if (task.name == name) return task;
  return std::nullopt;
}

// A TSV task takes its label names from the train split of its folder.
data::TaskSpec find_task(const std::string& name, const std::string& folder) {
  if (auto task = glue_task_named(name)) return *task;
  return data::tsv_task(name, folder);
}

std::string dev_split(const data::TaskSpec& task) {
  return task.name == "MNLI" ? "dev_matched" : "dev";
}

// The model's predictions for every example of `set`, in order: class ids or scores.
std::vector<double> predict(models::EncoderClassifier& model, const data::EncodedDataset& set,
                            int64_t batch_size) {
  NoGradGuard no_grad;
  model.eval();
  data::Batcher batches(set, {.batch_size = batch_size, .shuffle = false});
  std::vector<double> out;
  for (int64_t b = 0; b < batches.batches_per_epoch(); ++b) {
    const data::Batch batch = batches.next();
    const Tensor logits = model.forward(batch.ids, batch.padding_mask, batch.segments).data();
    if (set.is_regression) {
      for (float v : logits.to_vector<float>()) out.push_back(v);
    } else {
      for (int64_t v : argmax(logits, 1).to_vector<int64_t>())
        out.push_back(static_cast<double>(v));
    }
  }
  model.train();
  return out;
}

data::MetricValues evaluate(models::EncoderClassifier& model, const data::TaskSpec& task,
                            const data::EncodedDataset& dev, int64_t batch_size) {
  const std::vector<double> predicted = predict(model, dev, batch_size);
  if (task.is_regression) {
    std::vector<double> gold;
    for (const auto& e : dev.examples) gold.push_back(e.score);
    return data::evaluate_regression(task, predicted, gold);
  }
  std::vector<int64_t> classes(predicted.begin(), predicted.end()), gold;
  for (const auto& e : dev.examples) gold.push_back(e.label);
  return data::evaluate_classification(task, classes, gold);
}

// Accuracy on dev of always answering the most frequent train label.
double majority_baseline(const data::EncodedDataset& train, const data::EncodedDataset& dev) {
  std::map<int64_t, int64_t> counts;
  for (const auto& e : train.examples) ++counts[e.label];
  const int64_t majority = std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) {
                             return a.second < b.second;
                           })->first;
  const auto hits = std::count_if(dev.examples.begin(), dev.examples.end(),
                                  [&](auto& e) { return e.label == majority; });
  return static_cast<double>(hits) / static_cast<double>(std::max<int64_t>(1, dev.size()));
}

Variable batch_loss(const Variable& logits, const data::Batch& batch, bool regression) {
  if (regression) return mse(reshape(logits, {-1}), Variable(batch.labels));
  return cross_entropy(logits, batch.labels);
}

struct Trainer {
  explicit Trainer(const TrainOptions& o) : options(o) {}

  TrainOptions options;
  data::TaskSpec task;
  examples::RunFolder run;
  std::unique_ptr<data::Tokenizer> tokenizer;
  data::EncodedDataset train_set, dev_set;
  std::shared_ptr<models::EncoderClassifier> model;
  std::unique_ptr<optim::Adam> optimizer;
  optim::Schedule schedule;
  std::unique_ptr<data::Batcher> batcher;

  // What glue predict reads back: the task and the label names the model was trained with.
  Metadata task_metadata() const {
    return {{"task", task.name}, {"labels", fmt::format("{}", fmt::join(task.label_names, "\t"))}};
  }

  // What the shared loop needs of a GLUE task: its batches and loss, its dev metrics after every
  // epoch, and the data order and dropout stream a resumed run continues.
  examples::TrainingTask training_task() {
    examples::TrainingTask t;
    t.next_loss = [this](int64_t& tokens) {
      const data::Batch batch = batcher->next();
      tokens = batch.ids.numel();
      return batch_loss(model->forward(batch.ids, batch.padding_mask, batch.segments), batch,
                        task.is_regression);
    };
    t.evaluate_after = [this](int64_t) {
      return batcher->position().batch == batcher->batches_per_epoch();
    };
    t.evaluate = [this] { return evaluate(*model, task, dev_set, options.batch_size); };
    t.save_best_model = [this](double best) {
      Metadata metadata = task_metadata();
      metadata["best_dev"] = fmt::format("{}", best);
      models::save_model(*model, run.best_model(), metadata);
    };
    t.state = [this] {
      Metadata state = models::model_metadata(model->config(), task_metadata());
      state["batch_position"] = data::to_string(batcher->position());
      state["dropout_rng"] = to_string(model->trunk->dropout_generator().state());
      return state;
    };
    t.restore = [this](const Metadata& state) {
      batcher->restore(data::parse_batch_position(state.at("batch_position")));
      model->trunk->dropout_generator().set_state(parse_generator_state(state.at("dropout_rng")));
    };
    t.epoch = [this] { return batcher->position().epoch; };
    return t;
  }
};

void prepare(Trainer& t) {
  const TrainOptions& o = t.options;
  t.task = find_task(o.task, o.data);
  const auto train_examples = data::read_split(t.task, o.data, "train");
  const auto dev_examples = data::read_split(t.task, o.data, dev_split(t.task));
  t.run = examples::open_run_folder(o.out, examples::run_start(o));
  t.tokenizer = o.resume ? data::load_tokenizer(t.run.tokenizer())
                         : examples::build_tokenizer(o.tokenizer, data::texts_of(train_examples));
  if (!o.resume) t.tokenizer->save(t.run.tokenizer());
  t.train_set = data::encode_dataset(*t.tokenizer, t.task, train_examples, o.model.max_length);
  t.dev_set = data::encode_dataset(*t.tokenizer, t.task, dev_examples, o.model.max_length);
  models::ModelConfig config = o.model;
  config.vocab_size = t.tokenizer->vocab_size();
  config.segments = t.task.is_pair ? 2 : 0;
  config.num_classes = t.task.is_regression ? 1 : t.task.num_labels();
  t.model = std::make_shared<models::EncoderClassifier>(config);
  t.optimizer = std::make_unique<optim::Adam>(
      optim::AdamW(optim::decay_groups(t.model->named_parameters(), o.weight_decay), {.lr = o.lr}));
  t.batcher = std::make_unique<data::Batcher>(
      t.train_set, data::BatchOptions{.batch_size = o.batch_size, .seed = config.seed});
  const int64_t total = o.max_steps > 0 ? o.max_steps : o.epochs * t.batcher->batches_per_epoch();
  t.schedule = {.base_lr = o.lr,
                .warmup_steps = static_cast<int64_t>(o.warmup_fraction * static_cast<float>(total)),
                .total_steps = total,
                .decay = optim::Decay::linear};
  fmt::print(stderr, "{}: {} train / {} dev examples, {} tokenizer with {} tokens, {} steps\n",
             t.task.name, t.train_set.size(), t.dev_set.size(), t.tokenizer->kind(),
             t.tokenizer->vocab_size(), total);
}

int train(const TrainOptions& options) {
  if (options.threads > 0) set_num_threads(static_cast<int>(options.threads));
  Trainer t(options);
  prepare(t);
  examples::TrainingTask task = t.training_task();
  const examples::LoopResult result =
      examples::run_training(*t.model, *t.optimizer, t.schedule, t.run, task,
                             {.total_steps = t.schedule.total_steps,
                              .stop_after = options.stop_after,
                              .clip = options.clip,
                              .resume = options.resume,
                              .evaluation_name = "dev",
                              .metrics = t.task.metrics});
  if (!result.finished) return result.exit_status;
  fmt::print("best dev {} {:.4f}", t.task.metrics.front(), result.best);
  if (!t.task.is_regression)
    fmt::print("  (majority-class baseline {:.4f})", majority_baseline(t.train_set, t.dev_set));
  fmt::print("\nmodel {}  log {}  curves {}\n", t.run.best_model(), t.run.log(), t.run.plot());
  return 0;
}

struct PredictOptions {
  std::string checkpoint, data, out, split = "test";
  int64_t batch_size = 64;
};

// The task a checkpoint was trained on, with the label names it was trained with: a TSV task's
// labels come from the train split then, which the folder to predict need not have or may have
// changed.
data::TaskSpec checkpoint_task(const std::string& checkpoint) {
  const Metadata metadata = load_safetensors(checkpoint).metadata;
  SG_CHECK(metadata.count("task") && metadata.count("labels"),
           "glue predict: '{}' has no task name or label names in its metadata", checkpoint);
  const std::string& name = metadata.at("task");
  if (auto task = glue_task_named(name)) return *task;
  std::vector<std::string> labels;
  std::istringstream joined(metadata.at("labels"));
  for (std::string label; std::getline(joined, label, '\t');) labels.push_back(label);
  SG_CHECK(!labels.empty(), "glue predict: '{}' has no label names for task {}", checkpoint, name);
  return data::tsv_task(name, std::move(labels));
}

int predict_test(const PredictOptions& o) {
  auto model = models::load_encoder_classifier(o.checkpoint);
  const data::TaskSpec task = checkpoint_task(o.checkpoint);
  const auto tokenizer = data::load_tokenizer(data::tokenizer_path_beside(o.checkpoint));
  const auto examples = data::read_split(task, o.data, o.split);
  const auto encoded = data::encode_dataset(*tokenizer, task, examples, model->config().max_length);
  const std::vector<double> predicted = predict(*model, encoded, o.batch_size);
  std::string text = "index\tprediction\n";
  for (size_t i = 0; i < predicted.size(); ++i)
    text +=
        task.is_regression
            ? fmt::format("{}\t{:.3f}\n", i, predicted[i])
            : fmt::format("{}\t{}\n", i, task.label_names.at(static_cast<size_t>(predicted[i])));
  data::write_text_file(o.out, text);
  fmt::print("{} predictions for {} {} written to {}\n", predicted.size(), task.name, o.split,
             o.out);
  return 0;
}

void add_train_options(CLI::App& cmd, TrainOptions& o) {
  cmd.add_option("--task", o.task,
                 "GLUE task (CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI) or a name for a "
                 "TSV task")
      ->required();
  cmd.add_option("--data", o.data, "the task's folder (train.tsv, dev.tsv, test.tsv)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd.add_option("--out", o.out, "run folder for checkpoints, tokenizer, log and plot")->required();
  examples::add_model_options(cmd, o.model);
  cmd.add_option("--max-length", o.model.max_length, "tokens per example (longer ones are cut)")
      ->capture_default_str()
      ->check(CLI::Range(3, 4096));
  cmd.add_option("--tokenizer", o.tokenizer.kind, "char, word or sentencepiece")
      ->capture_default_str()
      ->check(CLI::IsMember({"char", "word", "sentencepiece"}));
  cmd.add_option("--min-count", o.tokenizer.min_count, "word tokenizer: minimum count of a word")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--vocab-size", o.tokenizer.vocab_size, "sentencepiece: vocabulary size")
      ->capture_default_str()
      ->check(CLI::Range(16, 1000000));
  cmd.add_option("--epochs", o.epochs, "passes over the train split")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--max-steps", o.max_steps, "stop after this many steps (0: epochs decide)")
      ->capture_default_str()
      ->check(examples::non_negative());
  cmd.add_option("--batch-size", o.batch_size, "examples per step")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--lr", o.lr, "peak learning rate (AdamW, linear warm-up and decay)")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--weight-decay", o.weight_decay, "AdamW decay of matrices and embeddings")
      ->capture_default_str()
      ->check(examples::non_negative());
  cmd.add_option("--warmup", o.warmup_fraction, "fraction of steps spent warming up")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.9));
  cmd.add_option("--clip", o.clip, "global gradient-norm clip")
      ->capture_default_str()
      ->check(examples::positive());
  examples::add_run_options(cmd, o);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train and evaluate encoder classifiers on GLUE-format tasks", "glue"};
  app.require_subcommand(1);
  TrainOptions train_options;
  PredictOptions predict_options;
  auto* train_cmd =
      app.add_subcommand("train", "train on train.tsv, evaluate on dev.tsv after every epoch");
  add_train_options(*train_cmd, train_options);
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
    return train_cmd->parsed() ? train(train_options) : predict_test(predict_options);
  });
}
