// Pre-trains the encoder trunk by masked-language modelling (BERT), replaced-token detection
// (ELECTRA, --objective rtd) or next-token prediction (GPT, --objective clm) on a plain-text
// corpus, with any attention variant, for `glue train --init-from` to start from.
//
//   pretrain train --corpus ../shared/data/lm/wikitext-2 --out runs/mlm --attention R+V
//
// The defaults fit a 2-core CPU: 4 blocks of width 128 (between BERT-tiny, 2 x 128, and BERT-mini,
// 4 x 256) over sequences of 128 tokens, 32 sequences a step (about 1 s a step there), so the 5000
// default steps take about an hour and a half; a wider or deeper trunk would need more steps than
// such a budget gives to learn.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>
#include <set>

#include "examples/pretrain/objective.h"
#include "examples/support/cli.h"
#include "examples/support/data_parallel.h"
#include "examples/support/model_options.h"
#include "examples/support/run_folder.h"
#include "examples/support/step_memory.h"
#include "examples/support/tokenizers.h"
#include "examples/support/training_loop.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/data/data.h"
#include "synthgrad/distributed/distributed.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/models/skipgram.h"
#include "synthgrad/optim/optim.h"

using namespace sg;

namespace {

struct TrainOptions {
  std::vector<std::string> corpus;
  std::string out;
  // segments = 2: the trunk has the sentence A / B embedding that pair tasks fine-tune (MaskedLM
  // feeds segment 0 everywhere).
  models::ModelConfig model{.dim = 128,
                            .heads = 4,
                            .layers = 4,
                            .max_length = 128,
                            .dropout = 0.1f,
                            .attention_dropout = 0.1f,
                            .segments = 2};
  examples::TokenizerChoice tokenizer{.kind = "sentencepiece", .vocab_size = 8000};
  int64_t tokenizer_sample_bytes = 8 << 20;
  int64_t shuffle_block = 2048;
  int64_t steps = 5000, batch_size = 32, warmup = 500, eval_every = 250, eval_batches = 20,
          threads = 0, stop_after = 0;
  float lr = 1e-3f, min_lr = 0.0f, weight_decay = 0.01f, clip = 1.0f;
  double bucket_mb = 25;
  int64_t skipgram_epochs = 0, skipgram_window = 5;
  float embedding_lr_scale = 1.0f;
  std::string objective = "mlm";
  float detection_weight = 50.0f;
  double token_weights = 0.0;
  double validation_fraction = 0.01;
  bool resume = false, overwrite = false;
  std::set<std::string> given_flags;  // "--dim": those a resumed run must agree with
};

// The masks of validation are drawn from this seed, so every evaluation scores the same positions.
constexpr uint64_t kValidationMaskSeed = 12345;

int64_t selected_positions(const data::MaskedTokens& batch) {
  const std::vector<int64_t> labels = batch.labels.contiguous().to_vector<int64_t>();
  return std::count_if(labels.begin(), labels.end(),
                       [](int64_t label) { return label != data::kIgnoreLabel; });
}

// The first `max_batches` packed validation batches, masked once (as the objective masks).
std::vector<data::MaskedTokens> validation_batches(const std::vector<data::CorpusSpan>& spans,
                                                   const data::Tokenizer& tokenizer,
                                                   const examples::PretrainingModel& model,
                                                   int64_t batch_size, int64_t max_batches) {
  const int64_t max_length = model.config().max_length;
  data::SequencePacker packer(spans, tokenizer, max_length, /*repeat=*/false);
  Generator mask_gen(kValidationMaskSeed);
  std::vector<data::MaskedTokens> batches;
  while (static_cast<int64_t>(batches.size()) < max_batches) {
    std::optional<Tensor> ids = packer.next_batch(batch_size);
    if (!ids) break;
    batches.push_back(model.batch(*ids, mask_gen));
  }
  SG_CHECK(!batches.empty(),
           "pretrain: the validation text does not fill one sequence of {} tokens; give a larger "
           "corpus, a larger --validation-fraction or a smaller --max-length",
           max_length);
  return batches;
}

struct Run {
  explicit Run(const TrainOptions& o) : options(o) {}

  TrainOptions options;
  examples::RunFolder folder;
  data::CorpusSplit corpus;
  std::unique_ptr<data::Tokenizer> tokenizer;
  std::unique_ptr<data::SequencePacker> train_packer;
  std::unique_ptr<data::SequenceShuffler> train_batches;
  std::vector<data::MaskedTokens> validation;
  std::unique_ptr<examples::PretrainingModel> model;
  std::unique_ptr<optim::Adam> optimizer;
  optim::Schedule schedule;
  Generator mask_gen{0};
  Generator sampling_gen{0};  // rtd: the generator's samples

  // Validation loss (mean over the predicted positions: masked ones, or every next token for clm)
  // and the accuracy of those predictions, and for rtd
  // the detection loss and accuracy (its samples from a fixed seed), the batches dealt out to the
  // ranks in turn.
  examples::Metrics evaluate() {
    distributed::Communicator& world = distributed::Communicator::world();
    NoGradGuard no_grad;
    model->module().eval();
    const Generator sampling(kValidationMaskSeed + 1);
    // loss times positions, positions, correct ones; the same for detection
    double sums[6] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    for (size_t b = static_cast<size_t>(world.rank()); b < validation.size();
         b += static_cast<size_t>(world.size())) {
      const Tensor& ids = validation[b].ids;
      const examples::PretrainingLoss out =
          model->loss(ids, validation[b].labels, sampling, b * static_cast<uint64_t>(ids.numel()));
      sums[0] += out.prediction.item<float>() * static_cast<double>(out.selected);
      sums[1] += static_cast<double>(out.selected);
      sums[2] += static_cast<double>(out.correct);
      if (!out.detection.defined()) continue;
      sums[3] += out.detection.item<float>() * static_cast<double>(out.judged);
      sums[4] += static_cast<double>(out.judged);
      sums[5] += static_cast<double>(out.judged_correct);
    }
    world.allreduce_sum(sums, 6);
    model->module().train();
    examples::Metrics metrics{{"loss", sums[0] / sums[1]}, {"accuracy", sums[2] / sums[1]}};
    if (model->detects()) {
      metrics.emplace_back("detection_loss", sums[3] / sums[4]);
      metrics.emplace_back("detection_accuracy", sums[5] / sums[4]);
    }
    return metrics;
  }

  // What the shared loop needs of pre-training: packed training batches, shuffled within blocks and
  // masked afresh (each rank its --batch-size rows of the global batch); validation every
  // eval_every steps; the shuffler's position and the mask, sampling and dropout streams for a
  // resume.
  examples::TrainingTask training_task() {
    examples::TrainingTask t;
    t.next_loss = [this](int64_t& tokens_in_batch) {
      const distributed::Communicator& world = distributed::Communicator::world();
      const Tensor ids = *train_batches->next_batch(options.batch_size * world.size());
      const data::MaskedTokens batch = model->batch(ids, mask_gen);
      const uint64_t first_draw =
          model->detects() ? sampling_gen.reserve(static_cast<uint64_t>(ids.numel())) : 0;
      const int64_t first = options.batch_size * world.rank();
      const Tensor rows = batch.ids.narrow(0, first, options.batch_size);
      tokens_in_batch = rows.numel();
      const Tensor labels =
          batch.labels.defined() ? batch.labels.narrow(0, first, options.batch_size) : Tensor{};
      const examples::PretrainingLoss out = model->loss(
          rows, labels, sampling_gen, first_draw + static_cast<uint64_t>(first * ids.size(1)));
      // The ranks' rows hold different numbers of masked positions, over which the masked-LM loss
      // averages; every rank judges as many positions, and predicts as many next tokens.
      const Variable prediction =
          world.size() == 1 || !labels.defined()
              ? out.prediction
              : out.prediction * distributed::share_weight(out.selected, selected_positions(batch),
                                                           world.size());
      if (!out.detection.defined()) return prediction;
      return prediction + out.detection * options.detection_weight;
    };
    t.evaluate_after = [this](int64_t step) { return step % options.eval_every == 0; };
    t.evaluate = [this] { return evaluate(); };
    t.save_best_model = [this](double) { model->save(folder.best_model()); };
    t.state = [this] {
      Metadata state = models::model_metadata(model->config());
      state["shuffle_position"] = data::to_string(train_batches->position());
      state["mask_rng"] = to_string(mask_gen.state());
      if (model->detects()) state["sampling_rng"] = to_string(sampling_gen.state());
      return state;
    };
    t.restore = [this](const Metadata& state) {
      train_batches->restore(data::parse_shuffle_position(state.at("shuffle_position")));
      mask_gen.set_state(parse_generator_state(state.at("mask_rng")));
      if (model->detects()) sampling_gen.set_state(parse_generator_state(state.at("sampling_rng")));
    };
    t.dropout = &model->trunk().dropout_generator();
    // The epoch of the block being served: the packer itself has read the whole block ahead.
    t.epoch = [this] { return train_batches->position().block_start.epoch; };
    return t;
  }
};

// Every run of token ids of the training text, in order, to `use`.
template <class Use>
void for_each_run_of_ids(const Run& r, const Use& use) {
  data::SequencePacker packer(r.corpus.train, *r.tokenizer, 1024, /*repeat=*/false);
  while (const auto ids = packer.next()) use(*ids);
}

// The objective and the corpus as a run's inputs (examples::LoopSettings::inputs).
std::string run_inputs(const TrainOptions& o) {
  std::string inputs = "--objective " + o.objective + " --corpus";
  for (const std::string& path : o.corpus) inputs += " " + examples::absolute_path(path);
  return inputs;
}

// How often each token occurs in the training text, line by line: all of it (packed runs leave
// out a last stretch that fills no sequence, which on a small corpus was every token).
std::vector<int64_t> count_tokens(const Run& r) {
  std::vector<int64_t> counts(static_cast<size_t>(r.tokenizer->vocab_size()), 0);
  data::CorpusReader reader(r.corpus.train);
  while (const auto line = reader.next())
    for (const int64_t id : r.tokenizer->encode(line->text)) ++counts[static_cast<size_t>(id)];
  return counts;
}

// Skip-gram vectors of the training text's tokens (--skipgram-epochs), the token embedding's
// start: each epoch streams the text once more.
Tensor learn_word_vectors(const Run& r, const std::vector<int64_t>& counts) {
  models::SkipGram skipgram(counts,
                            {.dim = r.options.model.dim,
                             .window = r.options.skipgram_window,
                             .first_word = data::kNumSpecialTokens},
                            r.options.model.seed + 11);
  const int64_t words = std::reduce(counts.begin(), counts.end(), int64_t{0});
  const double total = static_cast<double>(words * r.options.skipgram_epochs);
  int64_t done = 0;
  for (int64_t epoch = 1; epoch <= r.options.skipgram_epochs; ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    for_each_run_of_ids(r, [&](const std::vector<int64_t>& ids) {
      skipgram.learn(ids, static_cast<double>(done) / total);
      done += static_cast<int64_t>(ids.size());
    });
    fmt::print(stderr, "skip-gram epoch {}/{}: {} tokens in {:.0f} s\n", epoch,
               r.options.skipgram_epochs, words,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return skipgram.vectors();
}

// What is learnt from token counts before MLM: skip-gram vectors and smooth inverse frequencies.
void learn_from_counts(Run& r) {
  const TrainOptions& o = r.options;
  if (o.skipgram_epochs == 0 && o.token_weights == 0.0) return;
  const std::vector<int64_t> counts = count_tokens(r);
  if (o.skipgram_epochs > 0)
    copy_into(r.model->trunk().tokens->weight.data(), learn_word_vectors(r, counts));
  if (o.token_weights > 0.0)
    copy_into(r.model->trunk().token_weights,
              data::smooth_inverse_frequencies(counts, o.token_weights));
}

std::unique_ptr<data::Tokenizer> learn_tokenizer(const TrainOptions& o,
                                                 const std::vector<data::CorpusSpan>& train) {
  const std::vector<std::string> sample = data::sample_lines(train, o.tokenizer_sample_bytes);
  SG_CHECK(!sample.empty(), "pretrain: the training text has no non-blank line");
  return examples::build_tokenizer(o.tokenizer, sample);
}

void prepare(Run& r) {
  const TrainOptions& o = r.options;
  r.corpus = data::find_corpus(o.corpus, o.validation_fraction);
  r.folder = examples::open_run_folder(o.out, examples::run_start(o));
  const bool root = distributed::Communicator::world().is_root();
  // The tokenizer sees only (a sample of) the training part, as the model does.
  r.tokenizer = examples::tokenizer_of_rank_0(r.folder, !o.resume, [&] {
    return o.resume ? data::load_tokenizer(r.folder.tokenizer())
                    : learn_tokenizer(o, r.corpus.train);
  });
  models::ModelConfig config = o.model;
  config.vocab_size = r.tokenizer->vocab_size();
  config.verbose = root;
  r.train_packer = std::make_unique<data::SequencePacker>(r.corpus.train, *r.tokenizer,
                                                          config.max_length, /*repeat=*/true);
  r.train_batches =
      std::make_unique<data::SequenceShuffler>(*r.train_packer, o.shuffle_block, config.seed + 7);
  config.token_weights = o.token_weights > 0.0;
  r.model = std::make_unique<examples::PretrainingModel>(o.objective, config);
  // The validation batches of one process with the global batch, dealt out to the ranks.
  r.validation =
      validation_batches(r.corpus.validation, *r.tokenizer, *r.model,
                         o.batch_size * distributed::Communicator::world().size(), o.eval_batches);
  // Rank 0's vectors reach the other ranks with its parameters when training starts; the token
  // weights, which only the saved model holds for fine-tuning, are rank 0's alone.
  if (!o.resume && root) learn_from_counts(r);
  r.optimizer = std::make_unique<optim::Adam>(optim::AdamW(
      examples::trunk_optimizer_groups(r.model->module(), o.weight_decay, o.embedding_lr_scale),
      {.lr = o.lr, .beta2 = 0.98f}));
  r.schedule = {.base_lr = o.lr,
                .warmup_steps = std::max<int64_t>(0, std::min(o.warmup, o.steps - 1)),
                .total_steps = o.steps,
                .decay = optim::Decay::linear,
                .min_lr = o.min_lr};
  r.mask_gen = Generator(config.seed + 5);
  r.sampling_gen = Generator(config.seed + 9);
  if (!root) return;
  fmt::print(stderr,
             "corpus: {} training / {} validation file part(s){}; {} tokenizer with {} tokens; "
             "{} validation batches\n",
             r.corpus.train.size(), r.corpus.validation.size(),
             r.corpus.held_back ? " (validation held back from the training files)" : "",
             r.tokenizer->kind(), r.tokenizer->vocab_size(), r.validation.size());
}

int train(const TrainOptions& flags) {
  // A resumed run is the model of its own checkpoint, which the given flags must not contradict.
  TrainOptions o = flags;
  if (o.resume) o.model = examples::resumed_model_config(o.out, o.given_flags, o.model);
  examples::set_threads(o.threads);
  examples::check_batch_fits_memory(o.model, o.batch_size, o.model.max_length);
  examples::check_fits_memory(
      8.0 * static_cast<double>(o.shuffle_block) * static_cast<double>(o.model.max_length),
      fmt::format("--shuffle-block {}: a block of {} sequences of {} tokens", o.shuffle_block,
                  o.shuffle_block, o.model.max_length),
      "token ids");
  Run r(o);
  prepare(r);
  const bool root = distributed::Communicator::world().is_root();
  if (o.steps == 0) {  // the trunk as initialised (with --skipgram-epochs, its word vectors)
    if (!root) return 0;
    r.model->save(r.folder.best_model());
    examples::discard_earlier_run(r.folder);
    fmt::print("no pre-training steps: model {}  tokenizer {}\n", r.folder.best_model(),
               r.folder.tokenizer());
    return 0;
  }
  examples::TrainingTask task = r.training_task();
  const examples::LoopResult result = examples::run_training(
      r.model->module(), *r.optimizer, r.schedule, r.folder, task,
      {.total_steps = o.steps,
       .stop_after = o.stop_after,
       .clip = o.clip,
       .resume = o.resume,
       .evaluation_name = "validation",
       .metrics = r.model->detects()
                      ? std::vector<std::string>{"loss", "accuracy", "detection_loss",
                                                 "detection_accuracy"}
                      : std::vector<std::string>{"loss", "accuracy"},
       .higher_is_better = false,
       .batch_size = o.batch_size,
       .inputs = run_inputs(o),
       .bucket_bytes = examples::bucket_bytes(o)});
  if (!result.finished) return result.exit_status;
  r.model = std::make_unique<examples::PretrainingModel>(
      examples::PretrainingModel::load(o.objective, r.folder.best_model()));
  const examples::Metrics best = r.evaluate();
  if (!root) return 0;
  fmt::print(
      "best model: validation {} loss {:.4f}, {} accuracy {:.4f} (chance {:.2g}); {} "
      "steps in {:.0f} s\n",
      o.objective == "clm" ? "next-token" : "MLM", best[0].second,
      o.objective == "clm" ? "next-token" : "masked-token", best[1].second,
      1.0 / static_cast<double>(r.tokenizer->vocab_size()), result.step, result.seconds);
  if (r.model->detects())
    fmt::print("replaced-token detection: validation loss {:.4f}, accuracy {:.4f}\n",
               best[2].second, best[3].second);
  fmt::print("model {}  tokenizer {}  log {}  curves {}\n", r.folder.best_model(),
             r.folder.tokenizer(), r.folder.log(), r.folder.plot());
  return 0;
}

void add_train_options(CLI::App& cmd, TrainOptions& o) {
  cmd.add_option("--corpus", o.corpus,
                 "text files or folders (*.txt, *.tokens); train/valid files (WikiText, PTB) are "
                 "used as given, otherwise the end of every file validates")
      ->required()
      ->expected(1, -1)
      ->check(CLI::ExistingPath);
  cmd.add_option("--out", o.out, "run folder")->required();
  examples::add_model_options(cmd, o.model);
  cmd.add_option("--max-length", o.model.max_length, "tokens per packed sequence")
      ->capture_default_str()
      ->check(CLI::Range(3, 4096));
  examples::add_tokenizer_options(cmd, o.tokenizer, {"sentencepiece", "word"},
                                  "sentencepiece or word, learnt from the corpus");
  cmd.add_option("--tokenizer-sample", o.tokenizer_sample_bytes,
                 "bytes of training text (from all over it) the tokenizer is learnt from")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--shuffle-block", o.shuffle_block,
                 "training sequences read at a time and given in a random order (1: corpus order)")
      ->capture_default_str()
      ->check(examples::positive());
  cmd.add_option("--validation-fraction", o.validation_fraction,
                 "share of every file held back for validation when there is no valid file")
      ->capture_default_str()
      ->check(examples::within(0.0001, 0.5));
  cmd.add_option("--batch-size", o.batch_size, "sequences per step (per process under mpirun)")
      ->capture_default_str()
      ->check(examples::positive());
  examples::add_step_schedule_options(cmd, o, "linear", /*zero_steps_allowed=*/true);
  cmd.add_option("--skipgram-epochs", o.skipgram_epochs,
                 "before MLM, passes of skip-gram (word2vec) over the training text to start the "
                 "token embedding from (0: none; --steps 0 then saves the trunk with just these)")
      ->capture_default_str()
      ->check(examples::non_negative());
  // Narrow windows make vectors of words that fill the same slot (syntax), wide ones of words
  // on the same subject (topic).
  cmd.add_option("--skipgram-window", o.skipgram_window,
                 "skip-gram: context words on each side at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  examples::add_embedding_lr_scale_option(cmd, o.embedding_lr_scale);
  cmd.add_option("--token-weights", o.token_weights,
                 "a > 0 saves with the trunk a weight a / (a + p(token)) per token, p from the "
                 "training text, by which a fine-tune's mean and pair pooling weigh positions "
                 "(smooth inverse frequency; 1e-3 suits word vocabularies; 0: plain means)")
      ->capture_default_str()
      ->check(examples::within(0.0, 1.0));
  cmd.add_option("--objective", o.objective,
                 "mlm: masked-language modelling (BERT); rtd: replaced-token detection (ELECTRA), "
                 "the trunk judging every token of text whose masked tokens a one-block generator "
                 "filled in; clm: next-token prediction (GPT), a causal trunk for glue's "
                 "--pooling surprisal")
      ->capture_default_str()
      ->check(CLI::IsMember({"mlm", "rtd", "clm"}));
  examples::add_softmax_cutoffs_option(cmd, o.model, "clm: ");
  cmd.add_option("--detection-weight", o.detection_weight,
                 "rtd: the detection loss's weight beside the generator's masked-LM loss")
      ->capture_default_str()
      ->check(examples::positive());
  // A flag that would be silently ignored is refused instead.
  examples::add_parsed_check(cmd, [&cmd, &o] {
    if (o.objective != "rtd" && cmd.count("--detection-weight") > 0)
      throw CLI::ValidationError("--detection-weight applies to --objective rtd only");
    if (o.objective != "clm" && !o.model.softmax_cutoffs.empty())
      throw CLI::ValidationError("--softmax-cutoffs applies to --objective clm only");
    if (o.skipgram_epochs == 0 && cmd.count("--skipgram-window") > 0)
      throw CLI::ValidationError("--skipgram-window applies with --skipgram-epochs above 0 only");
  });
  cmd.add_option("--clip", o.clip, "gradient-norm limit")
      ->capture_default_str()
      ->check(examples::positive());
  examples::add_evaluation_options(cmd, o);
  examples::add_run_options(cmd, o);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Pre-train the encoder trunk by masked-language modelling, replaced-token detection or "
      "next-token prediction",
      "pretrain"};
  app.require_subcommand(1);
  TrainOptions train_options;
  auto* train_cmd = app.add_subcommand("train", "pre-train on a text corpus");
  add_train_options(*train_cmd, train_options);
  train_cmd->footer(
      "The defaults fit a 2-core CPU: 4 blocks of width 128 (between BERT-tiny, 2 x 128, and "
      "BERT-mini, 4 x 256), sequences of 128 tokens, 32 a step; about 1 s a step, so 5000 steps "
      "take about 1.5 hours. Fine-tune with glue train --init-from OUT/best.safetensors, which "
      "takes the trunk's options and the tokenizer from it; docs/pretraining.md has the recipe.");
  return examples::run_cli(app, argc, argv, [&] { return train(train_options); });
}
