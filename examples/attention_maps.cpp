// Trains a one-layer causal language model with a chosen attention variant on a task whose answer
// lives one position back, then writes the attention probabilities of each layer as heat maps
// (one tile per head), so you can look at what a Random Synthesizer learned without ever seeing
// the input.
//
//   build/examples/attention_maps                   # R attention, maps in attention_maps/
//   build/examples/attention_maps --attention R+V --steps 300 --out maps
#include <fmt/core.h>

#include <filesystem>

#include "examples/support/cli.h"
#include "examples/support/model_options.h"
#include "synthgrad/core/core.h"
#include "synthgrad/models/causal_lm.h"
#include "synthgrad/nn/attention/attention.h"
#include "synthgrad/nn/attention/heatmap.h"
#include "synthgrad/optim/optim.h"

using namespace sg;

namespace {

// Sequences in which every token repeats the one two positions back: predicting position t + 1
// means looking at position t - 1, a fixed offset that even input-blind attention can learn.
Tensor period_two_batch(int64_t batch, int64_t length, int64_t vocab, Generator& gen) {
  Tensor ids = Tensor::empty({batch, length}, DType::i64);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < length; ++t)
      ids.at<int64_t>({b, t}) =
          t < 2 ? static_cast<int64_t>(gen.uniform() * static_cast<float>(vocab))
                : ids.at<int64_t>({b, t - 2});
  return ids;
}

}  // namespace

int main(int argc, char** argv) {
  std::string attention = "R", out = "attention_maps";
  int steps = 200;
  CLI::App app{"Train a tiny causal LM and write its attention maps as PGM images",
               "attention_maps"};
  app.add_option("--attention", attention,
                 "attention variant: V, D, R, Rfix, FD, FR or a mix such as R+V")
      ->capture_default_str()
      ->check(sg::examples::variant_check());
  app.add_option("--steps", steps, "training steps")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--out", out, "folder for the .pgm files")->capture_default_str();
  return sg::examples::run_cli(app, argc, argv, [&] {
    // Made before training, so that a bad --out is found at once.
    std::error_code error;
    std::filesystem::create_directories(out, error);
    if (error)
      throw sg::examples::UsageError(
          fmt::format("--out {}: cannot make the folder: {}", out, error.message()));
    models::ModelConfig config{.vocab_size = 12,
                               .dim = 32,
                               .heads = 2,
                               .layers = 1,
                               .max_length = 16,
                               .attention = attention,
                               .dropout = 0.0f,
                               .attention_dropout = 0.0f};
    models::CausalLM lm(config);
    optim::Adam adam({{lm.parameters()}}, {.lr = 3e-3f});
    Generator data(1);
    for (int step = 0; step < steps; ++step) {
      Variable loss = lm.loss(period_two_batch(32, 16, 12, data));
      adam.zero_grad();
      loss.backward();
      adam.step();
      if (step == 0 || (step + 1) % 50 == 0)
        fmt::print("step {:5d}  loss {:.4f}\n", step + 1, loss.item<float>());
    }
    auto& mixer = dynamic_cast<nn::Attention&>(*(*lm.trunk->blocks)[0].mixer);
    mixer.keep_attention_weights(true);
    lm.eval();
    lm.forward(period_two_batch(1, 16, 12, data));
    const std::string path = fmt::format("{}/layer0_{}.pgm", out, attention);
    nn::write_attention_heatmap(mixer.attention_weights().select(0, 0), path, 8);
    fmt::print("attention maps ({} heads, white = largest weight) written to {}\n", config.heads,
               path);
    return 0;
  });
}
