#include "bench/train_measure.h"

#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "bench/timing.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/distributed/distributed.h"
#include "synthgrad/models/causal_lm.h"
#include "synthgrad/models/encoder_classifier.h"
#include "synthgrad/optim/optim.h"

namespace sg::bench {

namespace {

Tensor random_ids(int64_t rows, int64_t length, int64_t vocab, Generator& gen) {
  std::vector<int64_t> ids(static_cast<size_t>(rows * length));
  for (auto& id : ids) id = static_cast<int64_t>(gen.uniform() * static_cast<float>(vocab));
  return from_vector(ids, {rows, length});
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// The step and the inference call of one model kind. Under mpirun the step is data-parallel:
// gradients are averaged over the ranks, overlapped with backward, before the update.
template <class Model>
nlohmann::json time_model(Model& model, const std::function<Variable()>& loss,
                          const std::function<void()>& infer, int steps) {
  auto optimizer =
      optim::AdamW(optim::decay_groups(model.named_parameters(), 0.01f), {.lr = 1e-3f});
  distributed::Communicator& world = distributed::Communicator::world();
  distributed::GradientAverager averager(world, model.parameters(), {});
  const Timing step = time_runs(
      [&] {
        Variable l = loss();
        optimizer.zero_grad();
        {
          const GradientReadyGuard watch = averager.watch_backward();
          l.backward();
        }
        averager.finish();
        optimizer.step();
      },
      {.warmup = 2, .runs = steps});
  model.eval();
  const Timing inference = time_runs([&] { infer(); }, {.warmup = 2, .runs = 20});
  return {{"step_seconds", step.median_s},
          {"parameters", model.parameter_count()},
          {"inference_seconds", inference.median_s}};
}

}  // namespace

std::string measure_synthgrad(const TrainConfig& config_of_run, const std::string& variant,
                              int steps) {
  // With N ranks each takes 1/N of the batch: the global batch, and the work per step, stay.
  const distributed::Communicator& world = distributed::Communicator::world();
  TrainConfig c = config_of_run;
  SG_CHECK(c.batch % world.size() == 0,
           "sg_bench train: batch {} of {} does not split over {} ranks", c.batch, c.name,
           world.size());
  c.batch /= world.size();
  Generator gen(static_cast<uint64_t>(world.rank()));
  const models::ModelConfig config = model_config(c, variant);
  nlohmann::json result;
  if (c.language_model) {
    models::CausalLM lm(config);
    const Tensor ids = random_ids(c.batch, c.length + 1, c.vocab, gen);
    const Tensor one = random_ids(1, c.length, c.vocab, gen);
    result = time_model(
        lm, [&] { return lm.loss(ids); },
        [&] {
          NoGradGuard no_grad;
          lm.forward(one);
        },
        steps);
  } else {
    models::EncoderClassifier model(config);
    const Tensor ids = random_ids(c.batch, c.length, c.vocab, gen);
    const Tensor labels = random_ids(1, c.batch, 2, gen).reshape({c.batch});
    const Tensor one = random_ids(1, c.length, c.vocab, gen);
    result = time_model(
        model, [&] { return cross_entropy(model.forward(ids), labels); },
        [&] {
          NoGradGuard no_grad;
          model.forward(one);
        },
        steps);
  }
  result["side"] = "synthgrad";
  result["threads"] = num_threads();
  result["ranks"] = world.size();
  result["peak_rss_mb"] = peak_rss_mb();
  return result.dump();
}

}  // namespace sg::bench
