#include "examples/glue/train.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "examples/support/cli.h"
#include "examples/support/data_parallel.h"
#include "examples/support/model_options.h"
#include "examples/support/run_folder.h"
#include "examples/support/training_loop.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/distributed/distributed.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/models/pretrained_trunk.h"
#include "synthgrad/nn/checkpoint.h"
#include "synthgrad/optim/optim.h"

namespace sg::glue {

namespace {

constexpr std::string_view kDevPrefix = "dev_";  // the best model's dev metrics in its metadata

// A TSV task takes its label names from the train split of its folder.
data::TaskSpec find_task(const std::string& name, const std::string& folder) {
  if (auto task = glue_task_named(name)) return *task;
  return data::tsv_task(name, folder);
}

std::string dev_split(const data::TaskSpec& task) {
  return task.name == "MNLI" ? "dev_matched" : "dev";
}

// A pre-trained trunk may lack segment embeddings (the model then sees none, even on a pair task)
// or have them on a single-sentence task (where every position is segment 0, as in pre-training).
Tensor segments_for(const models::EncoderClassifier& model, const data::Batch& batch) {
  return model.config().segments > 0 ? batch.segments : Tensor{};
}

// Each rank predicts its part of the set; every rank gets all the predictions.
std::vector<double> predict_on_ranks(models::EncoderClassifier& model,
                                     const data::EncodedDataset& set, int64_t batch_size) {
  distributed::Communicator& world = distributed::Communicator::world();
  if (world.size() == 1) return predict(model, set, batch_size);
  const distributed::RowRange part =
      distributed::shard_rows(set.size(), world.rank(), world.size());
  data::EncodedDataset mine{{set.examples.begin() + part.begin, set.examples.begin() + part.end},
                            set.is_regression};
  std::vector<double> all(set.examples.size(), 0.0);
  if (part.size() > 0) {
    const std::vector<double> predicted = predict(model, mine, batch_size);
    std::copy(predicted.begin(), predicted.end(), all.begin() + part.begin);
  }
  world.allreduce_sum(all.data(), static_cast<int64_t>(all.size()));  // the others' parts are 0
  return all;
}

data::MetricValues evaluate(models::EncoderClassifier& model, const data::TaskSpec& task,
                            const data::EncodedDataset& dev, int64_t batch_size) {
  const std::vector<double> predicted = predict_on_ranks(model, dev, batch_size);
  if (task.is_regression) {
    std::vector<double> gold;
    for (const auto& e : dev.examples) gold.push_back(e.score);
    return data::evaluate_regression(task, predicted, gold);
  }
  std::vector<int64_t> classes(predicted.begin(), predicted.end()), gold;
  for (const auto& e : dev.examples) gold.push_back(e.label);
  return data::evaluate_classification(task, classes, gold);
}

// The task's first metric on dev for always answering the most frequent train label (an F1 or
// MCC of that answer, not its accuracy, on the tasks scored by those).
double majority_baseline(const data::TaskSpec& task, const data::EncodedDataset& train,
                         const data::EncodedDataset& dev) {
  std::map<int64_t, int64_t> counts;
  for (const auto& e : train.examples) ++counts[e.label];
  const int64_t majority = std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) {
                             return a.second < b.second;
                           })->first;
  std::vector<int64_t> gold;
  for (const auto& e : dev.examples) gold.push_back(e.label);
  const std::vector<int64_t> answered(gold.size(), majority);
  return data::evaluate_classification(task, answered, gold).front().second;
}

Variable batch_loss(const Variable& logits, const data::Batch& batch, bool regression,
                    const CrossEntropyOptions& options) {
  if (regression) return mse(reshape(logits, {-1}), Variable(batch.labels));
  return cross_entropy(logits, batch.labels, options);
}

// Weights that give every class the same total weight in an epoch: a rare class's examples count
// more. On CoLA (70% acceptable) the unweighted model answers "acceptable" for 85% of dev, and
// MCC, which rewards finding the rare class, suffers. A class absent from train weighs 1.
std::vector<float> balanced_class_weights(const data::EncodedDataset& train, int64_t classes) {
  std::vector<int64_t> counts(static_cast<size_t>(classes), 0);
  for (const auto& e : train.examples) ++counts[static_cast<size_t>(e.label)];
  std::vector<float> weights;
  for (int64_t count : counts)
    weights.push_back(count == 0 ? 1.0f
                                 : static_cast<float>(static_cast<double>(train.size()) /
                                                      static_cast<double>(classes * count)));
  return weights;
}

// Rows [range.begin, range.end) of a batch, padded as the whole batch is.
data::Batch rows_of(const data::Batch& batch, distributed::RowRange range) {
  const auto rows = [&](const Tensor& t) {
    return t.defined() ? t.narrow(0, range.begin, range.size()) : t;
  };
  return {rows(batch.ids),
          rows(batch.segments),
          rows(batch.padding_mask),
          rows(batch.labels),
          {batch.indices.begin() + range.begin, batch.indices.begin() + range.end}};
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
  data::MetricValues last_evaluation;
  CrossEntropyOptions loss_options;

  // This rank's factor for its mean loss, so that the mean over the ranks is the global batch's:
  // an epoch's last batch may not divide evenly, and with class weights each rank's cross-entropy
  // divides by its own rows' weights, not by their number.
  float loss_share(const data::Batch& global, distributed::RowRange range, int ranks) const {
    const int64_t rows = global.ids.size(0);
    if (loss_options.class_weights.empty())
      return distributed::share_weight(range.size(), rows, ranks);
    const std::vector<int64_t> labels = global.labels.to(DType::i64).to_vector<int64_t>();
    double mine = 0.0, all = 0.0;
    for (int64_t i = 0; i < rows; ++i) {
      const double w = loss_options.class_weights[static_cast<size_t>(labels[i])];
      all += w;
      if (i >= range.begin && i < range.end) mine += w;
    }
    return distributed::share_weight(mine, all, ranks);
  }

  // What glue predict reads back: the task and the label names the model was trained with.
  Metadata task_metadata() const {
    // A JSON list: a quoted TSV label may hold a tab (checkpoints of 0.2 hold "labels", the
    // names joined by tabs).
    return {{"task", task.name}, {"label_names", nlohmann::json(task.label_names).dump()}};
  }

  // What the shared loop needs of a GLUE task: its batches (each rank its part of the global
  // batch) and loss, its dev metrics after every epoch, and the data order and dropout stream a
  // resumed run continues.
  examples::TrainingTask training_task() {
    examples::TrainingTask t;
    t.next_loss = [this](int64_t& tokens) {
      const distributed::Communicator& world = distributed::Communicator::world();
      const data::Batch global = batcher->next();
      const int64_t global_rows = global.ids.size(0);
      const distributed::RowRange range =
          distributed::shard_rows(global_rows, world.rank(), world.size());
      tokens = range.size() * global.ids.size(1);
      if (range.size() == 0) return Variable();  // an epoch's last batch, smaller than the ranks
      const data::Batch batch = world.size() == 1 ? global : rows_of(global, range);
      const Variable loss =
          batch_loss(model->forward(batch.ids, batch.padding_mask, segments_for(*model, batch)),
                     batch, task.is_regression, loss_options);
      const float weight = loss_share(global, range, world.size());
      return weight == 1.0f ? loss : loss * weight;
    };
    t.evaluate_after = [this](int64_t) {
      return batcher->position().batch == batcher->batches_per_epoch();
    };
    t.evaluate = [this] {
      last_evaluation = evaluate(*model, task, dev_set, options.batch_size);
      return last_evaluation;
    };
    // The best model keeps all its dev metrics, which a finished (or resumed) run reports.
    t.save_best_model = [this](double best) {
      Metadata metadata = task_metadata();
      metadata["best_dev"] = fmt::format("{}", best);
      for (const auto& [name, value] : last_evaluation)
        metadata[std::string(kDevPrefix) + name] = fmt::format("{}", value);
      models::save_model(*model, run.best_model(), metadata);
    };
    t.state = [this] {
      Metadata state = models::model_metadata(model->config(), task_metadata());
      state["batch_position"] = data::to_string(batcher->position());
      return state;
    };
    t.restore = [this](const Metadata& state) {
      batcher->restore(data::parse_batch_position(state.at("batch_position")));
    };
    t.dropout = &model->trunk->dropout_generator();
    t.epoch = [this] { return batcher->position().epoch; };
    return t;
  }
};

// The classifier's config. A resumed run takes its own from its last checkpoint; a run from a
// pre-trained trunk takes the trunk fields from that checkpoint.
models::ModelConfig model_config(const Trainer& t,
                                 const std::optional<models::ModelConfig>& pretrained) {
  const TrainOptions& o = t.options;
  if (o.resume) {
    models::ModelConfig config = models::read_config(t.run.last_checkpoint());
    examples::check_flags_against(o.given_flags, o.model, config, "--resume",
                                  t.run.last_checkpoint());
    config.verbose = true;
    return config;
  }
  models::ModelConfig config = o.model;
  config.num_classes = t.task.is_regression ? 1 : t.task.num_labels();
  config.vocab_size = t.tokenizer->vocab_size();
  config.segments = t.task.is_pair ? 2 : 0;
  const bool root = distributed::Communicator::world().is_root();
  if ((config.pooling == "pair" || config.pooling == "align") && !t.task.is_pair) {
    if (root)
      fmt::print(stderr,
                 "{}: one sentence per example: the head reads the tokens' mean (--pooling {} "
                 "compares the two sentences of pair tasks)\n",
                 t.task.name, config.pooling);
    config.pooling = "mean";
  }
  if (!pretrained) return config;
  SG_CHECK(pretrained->vocab_size == t.tokenizer->vocab_size(),
           "--init-from '{}': its vocabulary of {} tokens is not its tokenizer's '{}' of {}",
           o.init_from, pretrained->vocab_size, data::tokenizer_path_beside(o.init_from),
           t.tokenizer->vocab_size());
  if (t.task.is_pair && pretrained->segments == 0 && root)
    fmt::print(stderr,
               "{}: the pre-trained trunk has no segment embedding: sentence pairs are told apart "
               "by [SEP] alone\n",
               t.task.name);
  if (pretrained->token_weights && config.pooling == "cls" && root)
    fmt::print(stderr,
               "{}: the pre-trained trunk's token weights go unused: the head reads [CLS] (they "
               "weigh the means of --pooling mean and pair)\n",
               t.task.name);
  return models::with_trunk_of(config, *pretrained);
}

// The pre-trained trunk's config, checked against the flags before anything is written.
std::optional<models::ModelConfig> pretrained_trunk(const TrainOptions& o) {
  if (o.init_from.empty() || o.resume) return std::nullopt;
  // A fresh run clears its folder's run files (with --overwrite), which would be the checkpoint
  // and tokenizer it is about to read.
  const std::filesystem::path source = std::filesystem::absolute(o.init_from).parent_path();
  std::error_code error;
  if (std::filesystem::equivalent(source, o.out, error))
    throw examples::UsageError(fmt::format(
        "--init-from '{}' is in the run folder --out '{}', whose files a new run replaces; give "
        "another --out",
        o.init_from, o.out));
  models::ModelConfig pretrained = models::pretrained_config(o.init_from);
  examples::check_flags_against(o.given_flags, o.model, pretrained, "--init-from", o.init_from);
  return pretrained;
}

std::unique_ptr<data::Tokenizer> run_tokenizer(const TrainOptions& o,
                                               const examples::RunFolder& run,
                                               const std::vector<data::Example>& train_examples) {
  if (o.resume) return data::load_tokenizer(run.tokenizer());
  if (!o.init_from.empty()) return data::load_tokenizer(data::tokenizer_path_beside(o.init_from));
  return examples::build_tokenizer(o.tokenizer, data::texts_of(train_examples));
}

// A regression head starts at the mean training score. From 0, Adam's steps of about lr spend
// most of a short run moving the bias there: on STS-B (mean 2.7, lr 1e-3, 540 steps) the training
// loss stayed near the scores' variance and dev Pearson at 0.2.
void start_at_mean_score(models::EncoderClassifier& model, const data::EncodedDataset& train) {
  double sum = 0.0;
  for (const auto& e : train.examples) sum += e.score;
  const double mean = train.examples.empty() ? 0.0 : sum / static_cast<double>(train.size());
  fill_inplace(model.head->bias.data(), static_cast<float>(mean));
}

// --pooling surprisal: the head reads each feature standardized by its mean and spread over the
// training set under the starting trunk (models::EncoderClassifier::surprisal_scale says why).
// Returns the means and standard deviations, for the log.
std::pair<std::vector<double>, std::vector<double>> standardize_surprisal_features(
    models::EncoderClassifier& model, const data::EncodedDataset& train) {
  model.eval();
  data::Batcher batches(train, {.batch_size = 64, .shuffle = false});
  std::vector<double> mean(models::kSurprisalFeatures, 0.0), spread = mean;
  for (int64_t b = 0; b < batches.batches_per_epoch(); ++b) {
    const data::Batch batch = batches.next();
    const Tensor features =
        model.raw_surprisal_features(batch.ids, batch.padding_mask, segments_for(model, batch));
    const std::vector<float> values = features.to_vector<float>();
    for (size_t i = 0; i < values.size(); ++i) {
      mean[i % mean.size()] += values[i];
      spread[i % mean.size()] += static_cast<double>(values[i]) * values[i];
    }
  }
  model.train();
  const auto n = static_cast<double>(std::max<int64_t>(1, train.size()));
  std::vector<float> shift, scale;
  for (size_t f = 0; f < mean.size(); ++f) {
    mean[f] /= n;
    spread[f] = std::sqrt(std::max(0.0, spread[f] / n - mean[f] * mean[f]));
    shift.push_back(static_cast<float>(mean[f]));
    // A feature that never varies (one-word sentences only) is left at its scale.
    scale.push_back(spread[f] > 1e-6 ? static_cast<float>(1.0 / spread[f]) : 1.0f);
  }
  copy_into(model.surprisal_shift, from_vector(shift));
  copy_into(model.surprisal_scale, from_vector(scale));
  return {mean, spread};
}

void print_class_weights(const Trainer& t) {
  if (t.options.class_weights == "none") return;
  if (t.task.is_regression) {
    fmt::print(stderr, "{}: a regression task: --class-weights {} does not apply\n", t.task.name,
               t.options.class_weights);
    return;
  }
  std::vector<std::string> named;
  for (size_t c = 0; c < t.loss_options.class_weights.size(); ++c)
    named.push_back(
        fmt::format("{} {:.3f}", t.task.label_names[c], t.loss_options.class_weights[c]));
  fmt::print(stderr, "{}: class weights {}\n", t.task.name, fmt::join(named, ", "));
}

void prepare(Trainer& t) {
  const TrainOptions& o = t.options;
  t.task = find_task(o.task, o.data);
  const auto train_examples = data::read_split(t.task, o.data, "train");
  const auto dev_examples = data::read_split(t.task, o.data, dev_split(t.task));
  const std::optional<models::ModelConfig> pretrained = pretrained_trunk(o);
  t.run = examples::open_run_folder(o.out, examples::run_start(o));
  t.tokenizer = examples::tokenizer_of_rank_0(
      t.run, !o.resume, [&] { return run_tokenizer(o, t.run, train_examples); });
  const bool root = distributed::Communicator::world().is_root();
  models::ModelConfig config = model_config(t, pretrained);
  config.verbose = config.verbose && root;
  t.train_set = data::encode_dataset(*t.tokenizer, t.task, train_examples, config.max_length);
  t.dev_set = data::encode_dataset(*t.tokenizer, t.task, dev_examples, config.max_length);
  t.model = std::make_shared<models::EncoderClassifier>(config);
  if (pretrained) {
    models::load_trunk_into(*t.model->trunk, config, o.init_from);
    if (root)
      fmt::print(stderr, "trunk ({} attention, {} layers of width {}) from {}\n", config.attention,
                 config.layers, config.dim, o.init_from);
  }
  if (t.task.is_regression && !o.resume) start_at_mean_score(*t.model, t.train_set);
  if (config.pooling == "surprisal" && !o.resume) {
    const auto [mean, spread] = standardize_surprisal_features(*t.model, t.train_set);
    if (root)
      fmt::print(stderr,
                 "{}: surprisal features over the training set (mean, largest, unigram, worst "
                 "transition, log length): means {:.3f}, standard deviations {:.3f}\n",
                 t.task.name, fmt::join(mean, " "), fmt::join(spread, " "));
  }
  if (o.class_weights == "balanced" && !t.task.is_regression)
    t.loss_options.class_weights = balanced_class_weights(t.train_set, t.task.num_labels());
  t.optimizer = std::make_unique<optim::Adam>(
      optim::AdamW(examples::trunk_optimizer_groups(*t.model, o.weight_decay, o.embedding_lr_scale),
                   {.lr = o.lr}));
  // The global batch: every rank's --batch-size examples.
  t.batcher = std::make_unique<data::Batcher>(
      t.train_set,
      data::BatchOptions{.batch_size = o.batch_size * distributed::Communicator::world().size(),
                         .seed = config.seed});
  const int64_t total = o.max_steps > 0 ? o.max_steps : o.epochs * t.batcher->batches_per_epoch();
  t.schedule = {.base_lr = o.lr,
                .warmup_steps = static_cast<int64_t>(o.warmup_fraction * static_cast<float>(total)),
                .total_steps = total,
                .decay = optim::Decay::linear};
  if (!root) return;
  fmt::print(stderr, "{}: {} train / {} dev examples, {} tokenizer with {} tokens, {} steps\n",
             t.task.name, t.train_set.size(), t.dev_set.size(), t.tokenizer->kind(),
             t.tokenizer->vocab_size(), total);
  print_class_weights(t);
}

// The dev metrics the best model saved with itself, in the task's order.
data::MetricValues best_dev_metrics(const Trainer& t) {
  const Metadata metadata = load_safetensors(t.run.best_model()).metadata;
  data::MetricValues out;
  for (const std::string& name : t.task.metrics) {
    const auto it = metadata.find(std::string(kDevPrefix) + name);
    SG_CHECK(it != metadata.end(), "'{}' has no dev {} in its metadata", t.run.best_model(), name);
    out.emplace_back(name, std::stod(it->second));
  }
  return out;
}

}  // namespace

void check_task_files(const std::string& name, const std::string& folder) {
  const data::TaskSpec task =
      glue_task_named(name).value_or(data::tsv_task(name, std::vector<std::string>{}));
  for (const std::string& split : {std::string("train"), dev_split(task)}) {
    const std::string path = (std::filesystem::path(folder) / task.split_file(split).file).string();
    SG_CHECK(std::filesystem::is_regular_file(path), "{}: missing {} file '{}'", name, split, path);
  }
}

std::string canonical_task_name(const std::string& name) {
  const data::TaskSpec* task = data::find_glue_task(name);
  return task != nullptr ? task->name : name;
}

std::optional<data::TaskSpec> glue_task_named(const std::string& name) {
  const data::TaskSpec* task = data::find_glue_task(name);
  return task != nullptr ? std::optional(*task) : std::nullopt;
}

std::vector<double> predict(models::EncoderClassifier& model, const data::EncodedDataset& set,
                            int64_t batch_size) {
  NoGradGuard no_grad;
  model.eval();
  data::Batcher batches(set, {.batch_size = batch_size, .shuffle = false});
  std::vector<double> out;
  for (int64_t b = 0; b < batches.batches_per_epoch(); ++b) {
    const data::Batch batch = batches.next();
    const Tensor logits =
        model.forward(batch.ids, batch.padding_mask, segments_for(model, batch)).data();
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

TrainResult train(const TrainOptions& options) {
  examples::set_threads(options.threads);
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
                              .metrics = t.task.metrics,
                              .batch_size = options.batch_size,
                              .inputs = fmt::format("--task {} --data {}", t.task.name,
                                                    examples::absolute_path(options.data)),
                              .bucket_bytes = examples::bucket_bytes(options)});
  if (!result.finished) return {.exit_status = result.exit_status};
  if (!distributed::Communicator::world().is_root())
    return {.exit_status = 0, .finished = true, .best_dev = best_dev_metrics(t)};
  fmt::print("best dev {} {:.4f}", t.task.metrics.front(), result.best);
  if (!t.task.is_regression)
    fmt::print("  (majority-class baseline {:.4f})",
               majority_baseline(t.task, t.train_set, t.dev_set));
  fmt::print("\nmodel {}  log {}  curves {}\n", t.run.best_model(), t.run.log(), t.run.plot());
  return {.exit_status = 0, .finished = true, .best_dev = best_dev_metrics(t)};
}

void add_training_options(CLI::App& cmd, TrainOptions& o) {
  examples::add_model_options(cmd, o.model);
  cmd.add_option("--max-length", o.model.max_length, "tokens per example (longer ones are cut)")
      ->capture_default_str()
      ->check(CLI::Range(3, 4096));
  cmd.add_option("--pooling", o.model.pooling,
                 "what the head reads: cls (position 0), mean (of the tokens), pair (the two "
                 "sentences' means compared) or align (pair, and each word of the second "
                 "sentence against its match in the first); pair and align read the mean on "
                 "single-sentence tasks; surprisal (the mean and the trunk's own next-token "
                 "surprisals, a causal trunk from pretrain --objective clm --token-weights)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cls", "mean", "pair", "align", "surprisal"}));
  cmd.add_flag("--layer-mix", o.model.layer_mix,
               "the head reads a learnt blend of the embedding layer's and every block's states "
               "(ELMo's scalar mix) instead of the last block's: for a pre-trained trunk whose "
               "word vectors and blocks serve different tasks");
  examples::add_tokenizer_options(cmd, o.tokenizer, {"char", "word", "sentencepiece"},
                                  "char, word or sentencepiece");
  cmd.add_option("--epochs", o.epochs, "passes over the train split")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--max-steps", o.max_steps,
                 "train this many steps instead of --epochs' (more steps than the epochs hold run "
                 "further epochs; 0: --epochs decide)")
      ->capture_default_str()
      ->check(examples::non_negative());
  cmd.add_option("--batch-size", o.batch_size, "examples per step (per process under mpirun)")
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
      ->check(examples::within(0.0, 0.9));
  cmd.add_option("--clip", o.clip, "global gradient-norm clip")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--class-weights", o.class_weights,
                 "none, or balanced: the loss weighs each class by N / (classes * its count), so "
                 "that a rare class counts as much as a common one (for tasks scored by MCC or F1 "
                 "whose labels are imbalanced, such as CoLA); regression tasks ignore it")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "balanced"}));
  examples::add_embedding_lr_scale_option(cmd, o.embedding_lr_scale);
  examples::add_run_options(cmd, o);
}

void add_train_options(CLI::App& cmd, TrainOptions& o) {
  cmd.add_option("--task", o.task,
                 "GLUE task (CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI) or a name for a "
                 "TSV task")
      ->required()
      ->transform(canonical_task_name);
  cmd.add_option("--data", o.data, "the task's folder (train.tsv, dev.tsv, test.tsv)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd.add_option("--out", o.out, "run folder for checkpoints, tokenizer, log and plot")->required();
  cmd.add_option("--init-from", o.init_from,
                 "start from the trunk and tokenizer of a pre-trained MaskedLM (or classifier) "
                 "checkpoint, e.g. runs/pt/best.safetensors; the head is fresh")
      ->check(CLI::ExistingFile);
  add_training_options(cmd, o);
}

}  // namespace sg::glue
