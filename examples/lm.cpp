// Trains a causal language model on a text file or on standard train / valid / test splits
// (characters, SentencePiece subwords or the words of WikiText and PTB), reports validation and
// test loss and perplexity, and samples text from a checkpoint.
//
//   lm train --text ../shared/data/lm/tinyshakespeare.txt --out runs/shakespeare
//   lm train --data ../shared/data/lm/wikitext-2 --tokenizer word --out runs/wikitext2
//   lm sample --checkpoint runs/shakespeare/best.safetensors --prompt "ROMEO:" --tokens 300
// The defaults are nanoGPT's CPU configuration for tiny-shakespeare (4 layers, 4 heads, 128 dims,
// context 64, batch 12, 2000 steps, dropout 0, AdamW 1e-3 with cosine decay to 1e-4).
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

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
#include "synthgrad/data/utf8.h"
#include "synthgrad/distributed/distributed.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/optim/optim.h"

using namespace sg;

namespace {

struct TrainOptions {
  std::string text, train, valid, test, data_dir, out;
  models::ModelConfig model{.dim = 128,
                            .heads = 4,
                            .layers = 4,
                            .max_length = 64,
                            .dropout = 0.0f,
                            .attention_dropout = 0.0f};
  examples::TokenizerChoice tokenizer{.kind = "char", .language_model = true};
  int64_t steps = 2000, batch_size = 12, warmup = 100, eval_every = 250, eval_batches = 20,
          threads = 0, stop_after = 0;
  float lr = 1e-3f, min_lr = 1e-4f, weight_decay = 0.1f, clip = 1.0f;
  double bucket_mb = 25;
  bool resume = false, overwrite = false;
  std::set<std::string> given_flags;  // "--dim": those a resumed run must agree with
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// A split's text and where it comes from.
struct SplitText {
  std::string source;
  std::string text;
};

struct SplitTexts {
  SplitText train, validation;
  std::optional<SplitText> test;
};

// The first UTF-8 character start at or after byte `target`.
size_t character_start_from(const std::string& text, size_t target) {
  while (target < text.size() && (static_cast<unsigned char>(text[target]) & 0xC0) == 0x80)
    ++target;
  return target;
}

// A file's text without its byte-order mark, one per file (the char tokenizer would learn it).
// Checked here as pretrain's corpus reader checks its files: bytes that are not UTF-8 would turn
// into characters or words nobody wrote.
std::string read_text(const std::string& path) {
  const std::string text = data::read_text_file(path, "lm train");
  const size_t bad = data::first_invalid_utf8(text);
  SG_CHECK(bad == std::string::npos, "lm train: '{}' is not UTF-8 text at byte {} (line {})", path,
           bad,
           1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
  return std::string(data::without_byte_order_mark(text));
}

SplitText read_files(const std::vector<data::CorpusSpan>& files) {
  SplitText split;
  for (const data::CorpusSpan& file : files) {
    split.source += (split.source.empty() ? "" : " ") + file.path;
    // A file without a final newline would join its last word to the next file's first.
    if (!split.text.empty() && split.text.back() != '\n') split.text += '\n';
    split.text += read_text(file.path);
  }
  return split;
}

// The data flags as a run's inputs (examples::LoopSettings::inputs).
std::string data_inputs(const TrainOptions& o) {
  std::string inputs;
  for (const auto& [flag, path] :
       {std::pair{"--text", o.text}, std::pair{"--train", o.train}, std::pair{"--valid", o.valid},
        std::pair{"--test", o.test}, std::pair{"--data", o.data_dir}})
    if (!path.empty())
      inputs +=
          fmt::format("{}{} {}", inputs.empty() ? "" : " ", flag, examples::absolute_path(path));
  return inputs;
}

// --text: the first 90% of the file's bytes and the rest (nanoGPT's split of tiny-shakespeare);
// --train and --valid: the files; --data: the folder's named train / valid / test files.
SplitTexts read_splits(const TrainOptions& o) {
  const auto read_file = [](const std::string& path) { return SplitText{path, read_text(path)}; };
  if (!o.text.empty()) {
    std::string text = read_text(o.text);
    const size_t cut =
        character_start_from(text, static_cast<size_t>(0.9 * static_cast<double>(text.size())));
    return {{o.text + " (first 90%)", text.substr(0, cut)},
            {o.text + " (last 10%)", text.substr(cut)},
            std::nullopt};
  }
  if (!o.train.empty())
    return {read_file(o.train), read_file(o.valid),
            o.test.empty() ? std::nullopt : std::optional(read_file(o.test))};
  if (o.data_dir.empty())
    throw examples::UsageError("train: give --text, --train with --valid, or --data");
  const data::CorpusSplit corpus = data::find_corpus({o.data_dir});
  if (corpus.held_back)
    throw examples::UsageError(
        fmt::format("--data {}: no train and valid files (wiki.{{train,valid,test}}.tokens, "
                    "ptb.{{train,valid,test}}.txt or train.txt, valid.txt, test.txt)",
                    o.data_dir));
  return {read_files(corpus.train), read_files(corpus.validation),
          corpus.test.empty() ? std::nullopt : std::optional(read_files(corpus.test))};
}

// Throws naming the split when its tokens hold no window of `context` + 1, before any training.
void check_holds_window(const std::vector<int64_t>& tokens, const SplitText& split,
                        int64_t context) {
  SG_CHECK(static_cast<int64_t>(tokens.size()) > context,
           "lm train: {} has {} tokens, too few for one window of --context {} + 1", split.source,
           tokens.size(), context);
}

// A split in another script or language than the training text encodes mostly as [UNK], which
// the model learns to predict: its perplexity looks good and means nothing.
void warn_if_mostly_unknown(const std::vector<int64_t>& tokens, const SplitText& split) {
  const auto unknown =
      std::count(tokens.begin(), tokens.end(), data::special_id(data::Special::unk));
  const double share = static_cast<double>(unknown) / static_cast<double>(tokens.size());
  if (share > 0.05)
    fmt::print(stderr,
               "lm train: warning: {:.1f}% of the tokens of {} are [UNK], text the tokenizer did "
               "not see in the training split; its loss counts predicting [UNK] as right\n",
               100.0 * share, split.source);
}

// Mean next-token loss over the first `max_batches` sequential batches of a split (all when 0),
// batches of every rank's `batch_size` windows together (those of one process with the global
// batch), dealt out to the ranks in turn.
double split_loss(models::CausalLM& lm, const std::vector<int64_t>& tokens,
                  int64_t batch_size_per_rank, int64_t max_batches) {
  distributed::Communicator& world = distributed::Communicator::world();
  const int64_t batch_size = batch_size_per_rank * world.size();
  NoGradGuard no_grad;
  lm.eval();
  const int64_t block = lm.config().max_length;
  int64_t batches =
      data::sequential_batch_count(static_cast<int64_t>(tokens.size()), batch_size, block);
  if (max_batches > 0) batches = std::min(batches, max_batches);
  double sums[2] = {0.0, 0.0};  // loss times windows, windows
  for (int64_t b = world.rank(); b < batches; b += world.size()) {
    const Tensor batch = data::sequential_batch(tokens, batch_size, block, b);
    sums[0] += lm.loss(batch).item<float>() * static_cast<double>(batch.size(0));
    sums[1] += static_cast<double>(batch.size(0));
  }
  world.allreduce_sum(sums, 2);
  lm.train();
  return sums[0] / std::max(1.0, sums[1]);
}

struct Run {
  explicit Run(const TrainOptions& o) : options(o) {}

  TrainOptions options;
  examples::RunFolder folder;
  std::unique_ptr<data::Tokenizer> tokenizer;
  data::TokenSplit tokens;
  std::vector<int64_t> test_tokens;  // empty without a test split
  std::shared_ptr<models::CausalLM> lm;
  std::unique_ptr<optim::Adam> optimizer;
  optim::Schedule schedule;
  Generator data_gen{0};

  // What the shared loop needs of language modelling: random training windows (each rank its
  // --batch-size rows of the global batch), an estimate of the validation loss every eval_every
  // steps, and the window and dropout streams a resume continues.
  examples::TrainingTask training_task() {
    examples::TrainingTask t;
    t.next_loss = [this](int64_t& tokens_in_batch) {
      const distributed::Communicator& world = distributed::Communicator::world();
      const Tensor batch = data::random_windows(tokens.train, options.batch_size * world.size(),
                                                options.model.max_length, data_gen);
      tokens_in_batch = options.batch_size * options.model.max_length;
      return lm->loss(batch.narrow(0, options.batch_size * world.rank(), options.batch_size));
    };
    t.evaluate_after = [this](int64_t step) { return step % options.eval_every == 0; };
    // The same batches every time, so that estimates compare; the whole split is scored at the end.
    t.evaluate = [this]() -> examples::Metrics {
      return {
          {"loss", split_loss(*lm, tokens.validation, options.batch_size, options.eval_batches)}};
    };
    t.save_best_model = [this](double) { models::save_model(*lm, folder.best_model()); };
    t.state = [this] {
      Metadata state = models::model_metadata(lm->config());
      state["data_rng"] = to_string(data_gen.state());
      return state;
    };
    t.restore = [this](const Metadata& state) {
      data_gen.set_state(parse_generator_state(state.at("data_rng")));
    };
    t.dropout = &lm->trunk->dropout_generator();
    return t;
  }
};

void prepare(Run& r) {
  const TrainOptions& o = r.options;
  const SplitTexts texts = read_splits(o);
  r.folder = examples::open_run_folder(o.out, examples::run_start(o));
  const bool root = distributed::Communicator::world().is_root();
  r.tokenizer = examples::tokenizer_of_rank_0(r.folder, !o.resume, [&] {
    if (o.resume) return data::load_tokenizer(r.folder.tokenizer());
    // The tokenizer sees only the training split, as the model does.
    const std::string& train_text = texts.train.text;
    return o.tokenizer.kind == "sentencepiece"
               ? examples::build_tokenizer(o.tokenizer, lines_of(train_text))
               : examples::build_tokenizer(o.tokenizer, {train_text});
  });
  // --text keeps nanoGPT's split of the file's tokens (90% of its bytes trained the tokenizer).
  r.tokens =
      o.text.empty()
          ? data::TokenSplit{r.tokenizer->encode(texts.train.text),
                             r.tokenizer->encode(texts.validation.text)}
          : data::split_tokens(r.tokenizer->encode(texts.train.text + texts.validation.text), 0.9);
  if (texts.test) r.test_tokens = r.tokenizer->encode(texts.test->text);
  const int64_t context = o.model.max_length;
  check_holds_window(r.tokens.train, texts.train, context);
  check_holds_window(r.tokens.validation, texts.validation, context);
  if (texts.test) check_holds_window(r.test_tokens, *texts.test, context);
  models::ModelConfig config = o.model;
  config.vocab_size = r.tokenizer->vocab_size();
  config.verbose = root;
  r.lm = std::make_shared<models::CausalLM>(config);
  r.optimizer = std::make_unique<optim::Adam>(optim::AdamW(
      optim::decay_groups(r.lm->named_parameters(), o.weight_decay), {.lr = o.lr, .beta2 = 0.99f}));
  r.schedule = {.base_lr = o.lr,
                .warmup_steps = std::min(o.warmup, o.steps - 1),
                .total_steps = o.steps,
                .decay = optim::Decay::cosine,
                .min_lr = o.min_lr};
  r.data_gen = Generator(config.seed + 3);
  if (!root) return;
  warn_if_mostly_unknown(r.tokens.validation, texts.validation);
  if (texts.test) warn_if_mostly_unknown(r.test_tokens, *texts.test);
  fmt::print(
      stderr,
      "{} train / {} validation / {} test tokens, {} tokenizer with {} tokens\n  train: {}\n  "
      "validation: {}\n",
      r.tokens.train.size(), r.tokens.validation.size(), r.test_tokens.size(), r.tokenizer->kind(),
      r.tokenizer->vocab_size(), texts.train.source, texts.validation.source);
}

// The best model's loss and perplexity over the whole validation and test splits, printed and
// written to the run folder's results.json (by rank 0; every rank scores its part).
void report_best_model(const Run& r, int64_t steps, double seconds) {
  const auto best = models::load_causal_lm(r.folder.best_model());
  std::vector<std::pair<std::string, const std::vector<int64_t>*>> splits{
      {"validation", &r.tokens.validation}};
  if (!r.test_tokens.empty()) splits.emplace_back("test", &r.test_tokens);
  nlohmann::json results = {{"steps", steps},
                            {"seconds", seconds},
                            {"tokens_per_step", r.options.batch_size * r.options.model.max_length *
                                                    distributed::Communicator::world().size()},
                            {"tokenizer", r.tokenizer->kind()},
                            {"vocab_size", r.tokenizer->vocab_size()},
                            {"model", r.folder.best_model()}};
  std::vector<std::string> scores;
  for (const auto& [name, tokens] : splits) {
    // A large split takes a while to score, and nothing else would be printed meanwhile.
    if (distributed::Communicator::world().is_root())
      fmt::print(stderr, "scoring the best model on the whole {} split ({} tokens)\n", name,
                 tokens->size());
    const double loss = split_loss(*best, *tokens, r.options.batch_size, 0);
    results[name] = {{"loss", loss}, {"perplexity", std::exp(loss)}, {"tokens", tokens->size()}};
    scores.push_back(fmt::format("{} loss {:.4f} (perplexity {:.2f})", name, loss, std::exp(loss)));
  }
  if (!distributed::Communicator::world().is_root()) return;
  data::write_text_file(r.folder.results(), results.dump(1) + "\n");
  fmt::print("best model: {} over the whole splits; {} steps in {:.0f} s\n",
             fmt::join(scores, ", "), steps, seconds);
}

int train(const TrainOptions& flags) {
  // A resumed run is the model of its own checkpoint, which the given flags must not contradict.
  TrainOptions o = flags;
  if (o.resume) o.model = examples::resumed_model_config(o.out, o.given_flags, o.model);
  examples::set_threads(o.threads);
  examples::check_batch_fits_memory(o.model, o.batch_size, o.model.max_length);
  Run r(o);
  prepare(r);
  examples::TrainingTask task = r.training_task();
  const examples::LoopResult result =
      examples::run_training(*r.lm, *r.optimizer, r.schedule, r.folder, task,
                             {.total_steps = o.steps,
                              .stop_after = o.stop_after,
                              .clip = o.clip,
                              .resume = o.resume,
                              .evaluation_name = "validation",
                              .metrics = {"loss"},
                              .higher_is_better = false,
                              .batch_size = o.batch_size,
                              .inputs = data_inputs(o),
                              .bucket_bytes = examples::bucket_bytes(o)});
  if (!result.finished) return result.exit_status;
  // The model the run leaves as best, which need not be the last one.
  report_best_model(r, result.step, result.seconds);
  if (!distributed::Communicator::world().is_root()) return 0;
  fmt::print("model {}  results {}  log {}  curves {}\n", r.folder.best_model(), r.folder.results(),
             r.folder.log(), r.folder.plot());
  return 0;
}

struct SampleOptions {
  std::string checkpoint, prompt = "\n";
  models::GenerationOptions generation{.new_tokens = 300, .temperature = 0.8f, .top_k = 40};
};

int sample(const SampleOptions& o) {
  auto lm = models::load_causal_lm(o.checkpoint);
  const auto tokenizer = examples::load_tokenizer_beside(o.checkpoint, lm->config().vocab_size);
  std::vector<int64_t> prompt = tokenizer->encode(o.prompt);
  if (prompt.empty())
    throw examples::UsageError(fmt::format("--prompt '{}' has no tokens to continue", o.prompt));
  const std::vector<int64_t> tokens = lm->generate(prompt, o.generation);
  fmt::print("{}\n", tokenizer->decode(tokens, true));
  return 0;
}

void add_train_options(CLI::App& cmd, TrainOptions& o) {
  auto* text = cmd.add_option("--text", o.text,
                              "a UTF-8 text file: the first 90% trains, the rest validates")
                   ->check(CLI::ExistingFile);
  auto* train = cmd.add_option("--train", o.train, "the training split (with --valid)")
                    ->check(CLI::ExistingFile);
  auto* valid = cmd.add_option("--valid", o.valid, "the validation split (with --train)")
                    ->check(CLI::ExistingFile);
  auto* test = cmd.add_option("--test", o.test, "the test split, scored once at the end")
                   ->check(CLI::ExistingFile);
  auto* data = cmd.add_option("--data", o.data_dir,
                              "a folder of wiki.{train,valid,test}.tokens, "
                              "ptb.{train,valid,test}.txt or train.txt, valid.txt, test.txt")
                   ->check(CLI::ExistingDirectory);
  text->excludes(train)->excludes(data);
  data->excludes(train);
  train->needs(valid);
  valid->needs(train);
  test->needs(train);
  cmd.add_option("--out", o.out, "run folder")->required();
  examples::add_model_options(cmd, o.model);
  examples::add_softmax_cutoffs_option(cmd, o.model, "");
  cmd.add_option("--context", o.model.max_length, "tokens of context")
      ->capture_default_str()
      ->check(CLI::Range(2, 4096));
  examples::add_tokenizer_options(
      cmd, o.tokenizer, {"char", "sentencepiece", "word"},
      "char, sentencepiece, or word (every training word as it is, <eos> per line)");
  cmd.add_option("--batch-size", o.batch_size, "windows per step (per process under mpirun)")
      ->capture_default_str()
      ->check(examples::positive());
  examples::add_step_schedule_options(cmd, o, "cosine");
  examples::add_evaluation_options(cmd, o);
  examples::add_run_options(cmd, o);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train causal language models and sample from them", "lm"};
  app.require_subcommand(1);
  TrainOptions train_options;
  SampleOptions sample_options;
  auto* train_cmd = app.add_subcommand("train", "train on a text file or on train / valid files");
  add_train_options(*train_cmd, train_options);
  auto* sample_cmd = app.add_subcommand("sample", "generate text from a checkpoint");
  sample_cmd
      ->add_option("--checkpoint", sample_options.checkpoint, "a best.safetensors of lm train")
      ->required()
      ->check(CLI::ExistingFile);
  sample_cmd->add_option("--prompt", sample_options.prompt, "text to continue")
      ->capture_default_str();
  sample_cmd->add_option("--tokens", sample_options.generation.new_tokens, "tokens to generate")
      ->capture_default_str()
      ->check(examples::non_negative());
  sample_cmd
      ->add_option("--temperature", sample_options.generation.temperature,
                   "0 = always the likeliest token")
      ->capture_default_str()
      ->check(examples::non_negative());
  sample_cmd
      ->add_option("--top-k", sample_options.generation.top_k,
                   "sample among the k likeliest (0 = all)")
      ->capture_default_str()
      ->check(examples::non_negative());
  sample_cmd->add_option("--seed", sample_options.generation.seed, "sampling seed")
      ->capture_default_str()
      ->check(examples::seed_check());
  return examples::run_cli(app, argc, argv, [&] {
    return train_cmd->parsed() ? train(train_options) : sample(sample_options);
  });
}
