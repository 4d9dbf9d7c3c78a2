#pragma once
// glue train: fine-tunes an encoder classifier on one GLUE task (or a task in the SST-2 TSV
// format), from scratch or from a pre-trained trunk (--init-from), evaluating on dev after every
// epoch; data-parallel under mpirun, --batch-size examples a rank.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "examples/support/tokenizers.h"
#include "synthgrad/data/data.h"
#include "synthgrad/models/encoder_classifier.h"

namespace sg::glue {

struct TrainOptions {
  std::string task, data, out;
  // A MaskedLM, ReplacedTokenDetector or EncoderClassifier checkpoint whose trunk and tokenizer the
  // run starts from.
  std::string init_from;
  models::ModelConfig model{.dim = 128, .heads = 4, .layers = 2, .max_length = 64};
  examples::TokenizerChoice tokenizer;
  int64_t epochs = 3, batch_size = 32, max_steps = 0, threads = 0, stop_after = 0;
  float lr = 1e-3f, weight_decay = 0.01f, warmup_fraction = 0.1f, clip = 1.0f;
  float embedding_lr_scale = 1.0f;     // of --lr, for the trunk's token embedding
  std::string class_weights = "none";  // or "balanced": each class weighs N / (classes * its count)
  double bucket_mb = 25;
  bool resume = false, overwrite = false;
  // The flags given on the command line ("--dim"): those a pre-trained trunk must agree with.
  std::set<std::string> given_flags;
};

struct TrainResult {
  int exit_status = 0;
  bool finished = false;          // false after a planned or interrupted stop
  data::MetricValues best_dev{};  // every dev metric of the best model, when finished
};

// The training flags of glue train and glue benchmark: model, tokenizer, optimisation, run control.
void add_training_options(CLI::App& cmd, TrainOptions& o);
// Those, with the task, its data folder and the run folder.
void add_train_options(CLI::App& cmd, TrainOptions& o);

// Throws a UsageError for flags that contradict --init-from, an sg::Error for a bad file.
TrainResult train(const TrainOptions& options);

// The GLUE task of that name, if there is one: any other name is a task in the SST-2 TSV format.
std::optional<data::TaskSpec> glue_task_named(const std::string& name);
// GLUE's spelling of a task named in another case or without its hyphen ("rte", "sst2"); any other
// name as given. A near miss would otherwise be read as a TSV task and fail on GLUE's file format.
std::string canonical_task_name(const std::string& name);
// Throws an sg::Error naming the file when the task's folder lacks its train or dev file, which
// a run would find missing only after the runs before it.
void check_task_files(const std::string& name, const std::string& folder);

// The model's predictions for every example of `set`, in order: class ids or scores.
std::vector<double> predict(models::EncoderClassifier& model, const data::EncodedDataset& set,
                            int64_t batch_size);

}  // namespace sg::glue
