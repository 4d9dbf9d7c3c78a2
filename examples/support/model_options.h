#pragma once
// The options the training programs share, so that they all spell and check them the same way.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "examples/support/cli.h"
#include "examples/support/run_folder.h"
#include "examples/support/tokenizers.h"
#include "synthgrad/data/tokenizer.h"
#include "synthgrad/models/checkpoint.h"
#include "synthgrad/models/config.h"
#include "synthgrad/models/pretrained_trunk.h"
#include "synthgrad/nn/attention/config.h"
#include "synthgrad/nn/module.h"
#include "synthgrad/optim/optimizer.h"

namespace sg::examples {

// Fills `given` with the flags of `cmd` given on the command line ("--dim") once it is parsed.
inline void record_given_flags(CLI::App& cmd, std::set<std::string>& given) {
  add_parsed_check(cmd, [&cmd, &given] {
    for (const CLI::Option* option : cmd.get_options())
      if (option->count() > 0)
        for (const std::string& name : option->get_lnames()) given.insert("--" + name);
  });
}

// With --resume or --init-from (`how`) the trunk's shape is that of the checkpoint at `path` (the
// resumed run's own, or the pre-trained one): a flag given with another value is refused rather
// than silently ignored. A pre-trained run's tokenizer is taken as it is, so tokenizer flags are
// refused with --init-from; a resumed run's command line may repeat the ones it started with.
inline void check_flags_against(const std::set<std::string>& given,
                                const models::ModelConfig& flags,
                                const models::ModelConfig& checkpoint, const std::string& how,
                                const std::string& path) {
  const bool resume = how == "--resume";
  for (const char* flag : {"--tokenizer", "--min-count", "--vocab-size"})
    if (!resume && given.contains(flag))
      throw UsageError(
          fmt::format("{} cannot be used with --init-from: the tokenizer is the "
                      "pre-trained run's ({})",
                      flag, data::tokenizer_path_beside(path)));
  const std::map<std::string, std::vector<std::string>> flags_of_field = {
      {"attention", {"--attention"}},
      {"dim", {"--dim"}},
      {"heads", {"--heads"}},
      {"layers", {"--layers"}},
      {"max_length", {"--max-length", "--context"}},
      {"softmax_cutoffs", {"--softmax-cutoffs"}}};
  for (const auto& difference : models::trunk_differences(checkpoint, flags)) {
    const auto names = flags_of_field.find(difference.field);
    if (names == flags_of_field.end()) continue;
    for (const std::string& flag : names->second)
      if (given.contains(flag))
        throw UsageError(fmt::format(
            "{} {} contradicts {} of '{}', whose {} is {}: leave the flag out", flag,
            difference.model, resume ? "the run being resumed" : "the pre-trained trunk", path,
            difference.field, difference.file));
  }
  // The head's blend of layers is the resumed run's own: its parameters are in the checkpoint or
  // not, and a flag left to it would be silently ignored.
  if (resume && given.contains("--layer-mix") && flags.layer_mix != checkpoint.layer_mix)
    throw UsageError(fmt::format(
        "--layer-mix contradicts the run being resumed, '{}', which was started {} it: leave "
        "the flag out, or start a new run",
        path, checkpoint.layer_mix ? "with" : "without"));
}

// The model config a --resume into `out` continues: its last checkpoint's, once the given flags
// are checked against it (the flags' own when there is no checkpoint: opening the run folder then
// says there is no run to resume).
inline models::ModelConfig resumed_model_config(const std::string& out,
                                                const std::set<std::string>& given,
                                                const models::ModelConfig& flags) {
  const std::string last = RunFolder{out}.last_checkpoint();
  if (!std::filesystem::exists(last)) return flags;
  models::ModelConfig config = models::read_config(last);
  check_flags_against(given, flags, config, "--resume", last);
  config.verbose = flags.verbose;
  return config;
}

inline void add_model_options(CLI::App& cmd, models::ModelConfig& config) {
  cmd.add_option("--attention", config.attention, "V, D, R, Rfix, FD, FR or a mix such as R+V")
      ->capture_default_str();
  cmd.add_option("--dim", config.dim, "model width")->capture_default_str()->check(positive());
  cmd.add_option("--heads", config.heads, "attention heads")
      ->capture_default_str()
      ->check(positive());
  cmd.add_option("--layers", config.layers, "Transformer blocks")
      ->capture_default_str()
      ->check(non_negative());
  cmd.add_option("--dropout", config.dropout, "dropout")
      ->capture_default_str()
      ->check(within(0.0, 0.95));
  cmd.add_option("--attention-dropout", config.attention_dropout, "dropout on attention weights")
      ->capture_default_str()
      ->check(within(0.0, 0.95));
  cmd.add_option("--seed", config.seed, "initialisation, dropout and data order")
      ->capture_default_str()
      ->check(seed_check());
  // The attention's own rules (a known variant, --dim a multiple of --heads) as a flag error.
  add_parsed_check(cmd, [&config] {
    try {
      nn::validate(config.attention_config());
    } catch (const Error& e) {
      throw CLI::ValidationError(fmt::format("--attention {} --dim {} --heads {}: {}",
                                             config.attention, config.dim, config.heads, e.what()));
    }
  });
}

// A causal LM's clustered softmax (nn/clustered_softmax.h), for word vocabularies, whose ids run
// from the most frequent word.
inline CLI::Option* add_softmax_cutoffs_option(CLI::App& cmd, models::ModelConfig& config,
                                               const std::string& applies) {
  return cmd
      .add_option("--softmax-cutoffs", config.softmax_cutoffs,
                  applies +
                      "the first id of each cluster of a clustered softmax, e.g. 1000,4000: the "
                      "next-token loss computes a head softmax over the ids below the first and "
                      "only the clusters of the next tokens (empty: one softmax over the "
                      "vocabulary; ids run from the most frequent word with --tokenizer word)")
      ->delimiter(',');
}

// An attention variant or mixture that nn::parse_variant knows (a flag error otherwise).
inline CLI::Validator variant_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        try {
          nn::parse_variant(value);
          return "";
        } catch (const Error& e) {
          return e.what();
        }
      },
      "V, D, R, Rfix, FD, FR or a mix");
}

inline void add_embedding_lr_scale_option(CLI::App& cmd, float& scale) {
  cmd.add_option("--embedding-lr-scale", scale,
                 "the token embedding's learning rate as a fraction of --lr (0: frozen, e.g. to "
                 "keep skip-gram vectors)")
      ->capture_default_str()
      ->check(within(0.0, 1.0));
}

// AdamW's usual groups; with an embedding scale other than 1, the trunk's token embedding (which an
// MLM head's output layer shares) in a group of its own at that fraction of the rate. At 0 it is
// frozen instead: it stops requiring a gradient and leaves the optimizer, so that no gradient is
// computed for it and the gradient clip's norm does not count one (a frozen matrix would otherwise
// shrink every other update while the norm is above the clip).
inline std::vector<optim::ParamGroup> trunk_optimizer_groups(nn::Module& model, float weight_decay,
                                                             float embedding_lr_scale) {
  constexpr const char* kEmbedding = "trunk.tokens.weight";
  if (embedding_lr_scale == 1.0f)
    return optim::decay_groups(model.named_parameters(), weight_decay);
  if (embedding_lr_scale > 0.0f)
    return optim::decay_groups_with_scaled(model.named_parameters(), weight_decay, kEmbedding,
                                           embedding_lr_scale);
  auto named = model.named_parameters();
  const auto embedding = std::find_if(named.begin(), named.end(),
                                      [](const auto& entry) { return entry.first == kEmbedding; });
  SG_CHECK(embedding != named.end(), "--embedding-lr-scale 0: the model has no {}", kEmbedding);
  embedding->second.set_requires_grad(false);
  named.erase(embedding);
  return optim::decay_groups(named, weight_decay);
}

// A tokenizer flag the chosen --tokenizer does not read is refused rather than silently ignored.
inline void refuse_unread_tokenizer_flags(CLI::App& cmd, const TokenizerChoice& tokenizer) {
  add_parsed_check(cmd, [&cmd, &tokenizer] {
    for (const auto& [flag, kind] :
         {std::pair{"--vocab-size", "sentencepiece"}, std::pair{"--min-count", "word"}}) {
      const CLI::Option* option = cmd.get_option_no_throw(flag);
      if (option != nullptr && option->count() > 0 && tokenizer.kind != kind)
        throw CLI::ValidationError(fmt::format(
            "{} applies to --tokenizer {} only (this run's is {})", flag, kind, tokenizer.kind));
    }
  });
}

// The tokenizer flags of a program that learns one of `kinds` from its training text; each
// defaults to `tokenizer`'s value, which differs between the programs. --min-count is left out in
// the language-modelling convention, whose word tokenizer keeps every training word.
inline void add_tokenizer_options(CLI::App& cmd, TokenizerChoice& tokenizer,
                                  const std::vector<std::string>& kinds, const std::string& help) {
  cmd.add_option("--tokenizer", tokenizer.kind, help)
      ->capture_default_str()
      ->check(CLI::IsMember(kinds));
  cmd.add_option("--vocab-size", tokenizer.vocab_size, "sentencepiece: vocabulary size")
      ->capture_default_str()
      ->check(CLI::Range(16, 1000000));
  if (!tokenizer.language_model)
    cmd.add_option("--min-count", tokenizer.min_count, "word: least occurrences of a word")
        ->capture_default_str()
        ->check(positive());
  refuse_unread_tokenizer_flags(cmd, tokenizer);
}

// The optimisation options of the step-counted programs (lm, pretrain): the steps, the warm-up and
// decay of the learning rate (`decay` names the decay's shape in the help), and AdamW's decay.
template <class Options>
void add_step_schedule_options(CLI::App& cmd, Options& o, const std::string& decay,
                               bool zero_steps_allowed = false) {
  cmd.add_option("--steps", o.steps, "training steps")
      ->capture_default_str()
      ->check(zero_steps_allowed ? non_negative() : positive());
  cmd.add_option("--lr", o.lr, "peak learning rate")->capture_default_str()->check(positive());
  cmd.add_option("--min-lr", o.min_lr, "learning rate at the end of the " + decay + " decay")
      ->capture_default_str()
      ->check(non_negative());
  cmd.add_option("--warmup", o.warmup, "warm-up steps")
      ->capture_default_str()
      ->check(non_negative());
  cmd.add_option("--weight-decay", o.weight_decay, "AdamW decay")
      ->capture_default_str()
      ->check(non_negative());
  // A floor above the peak would make the "decay" raise the rate.
  add_parsed_check(cmd, [&o] {
    if (o.min_lr > o.lr)
      throw CLI::ValidationError(
          fmt::format("--min-lr {} is above --lr {}: the decay ends at --min-lr", o.min_lr, o.lr));
  });
}

// How often a step-counted run evaluates, and on how many (always the same) validation batches.
template <class Options>
void add_evaluation_options(CLI::App& cmd, Options& o) {
  cmd.add_option("--eval-every", o.eval_every, "steps between validations")
      ->capture_default_str()
      ->check(positive());
  cmd.add_option("--eval-batches", o.eval_batches, "validation batches (the same every time)")
      ->capture_default_str()
      ->check(positive());
}

// The run-control options of every training program: threads, a planned stop, resumption, and the
// gradient buckets of a data-parallel run.
template <class Options>
void add_run_options(CLI::App& cmd, Options& o) {
  record_given_flags(cmd, o.given_flags);
  cmd.add_option("--threads", o.threads,
                 "threads (0: SG_NUM_THREADS, or all cores shared by the ranks on this machine)")
      ->capture_default_str()
      ->check(within(0, 4096));
  cmd.add_option("--bucket-mb", o.bucket_mb,
                 "under mpirun: MiB of gradients averaged in one message (started during backward)")
      ->capture_default_str()
      ->check(positive());
  cmd.add_option("--stop-after", o.stop_after,
                 "save a checkpoint and stop after this many steps, as Ctrl-C does")
      ->check(positive());
  auto* resume =
      cmd.add_flag("--resume", o.resume, "continue from the run folder's last checkpoint");
  cmd.add_flag("--overwrite", o.overwrite,
               "delete the run folder's earlier run first (without it a fresh run refuses one)")
      ->excludes(resume);
}

template <class Options>
int64_t bucket_bytes(const Options& o) {
  return static_cast<int64_t>(o.bucket_mb * double(1 << 20));
}

template <class Options>
RunStart run_start(const Options& o) {
  if (o.resume) return RunStart::resume;
  return o.overwrite ? RunStart::overwrite : RunStart::fresh;
}

}  // namespace sg::examples
