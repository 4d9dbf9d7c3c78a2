// Data-parallel training checked against one process, run under `mpirun -np 2` by CTest:
//   1. broadcast_parameters makes rank 1's differently initialised model equal to rank 0's;
//   2. K Adam steps with 2 ranks x batch b end at the parameters of 1 process x batch 2b (rank 0
//      computes that reference alone), within a tolerance: the two sum the examples' gradients in
//      different orders;
//   3. the bucketed path that overlaps backward (small buckets, so several of them) ends bit for
//      bit where the plain path (one allreduce after backward) does, and so do all ranks;
//   4. a parameter that no rank's loss uses is left without a gradient, as in one process, so that
//      AdamW's weight decay leaves it as it was.
// Prints each check; exit code 1 when one fails.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/distributed/distributed.h"
#include "synthgrad/nn/nn.h"
#include "synthgrad/optim/optim.h"

using namespace sg;
using distributed::Communicator;

namespace {

constexpr int64_t kInputs = 12, kHidden = 32, kClasses = 3, kLocalBatch = 8, kSteps = 6;

class Classifier : public nn::UnaryModule {
 public:
  explicit Classifier(uint64_t seed) : gen_(seed) {
    first = register_module("first", std::make_shared<nn::Linear>(kInputs, kHidden, gen_));
    second = register_module("second", std::make_shared<nn::Linear>(kHidden, kHidden, gen_));
    out = register_module("out", std::make_shared<nn::Linear>(kHidden, kClasses, gen_));
  }
  Variable forward(const Variable& x) override {
    return out->forward(gelu(second->forward(gelu(first->forward(x)))));
  }
  std::string type_name() const override { return "Classifier"; }

  Generator gen_;
  std::shared_ptr<nn::Linear> first, second, out;
};

struct Batch {
  Tensor x, y;
};

// Global batch `step`: rows [first, first + count) of a fixed sequence of examples.
Batch examples(int64_t step, int64_t first, int64_t count) {
  Generator gen(1000 + static_cast<uint64_t>(step));
  const int64_t global = 2 * kLocalBatch;
  const Tensor x = randn({global, kInputs}, gen);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < global; ++i) labels.push_back((i * 7 + step) % kClasses);
  return {x.slice(0, first, first + count).contiguous(),
          from_vector(labels).slice(0, first, first + count).contiguous()};
}

std::vector<float> flatten(const Classifier& model) {
  std::vector<float> all;
  for (const Variable& p : model.parameters()) {
    const std::vector<float> values = p.data().contiguous().to_vector<float>();
    all.insert(all.end(), values.begin(), values.end());
  }
  return all;
}

// Trains `model` for kSteps on this rank's shard (or the whole batch when `world` is null).
// Returns the fewest buckets started by the end of a backward pass, before finish().
int64_t train(Classifier& model, Communicator* world, const distributed::AveragerOptions& options) {
  int64_t fewest_started = -1;
  optim::AdamOptions adam_options;
  adam_options.lr = 0.01f;
  optim::Adam adam({{model.parameters()}}, adam_options);
  std::unique_ptr<distributed::GradientAverager> averager;
  if (world)
    averager = std::make_unique<distributed::GradientAverager>(*world, model.parameters(), options);
  for (int64_t step = 0; step < kSteps; ++step) {
    const Batch batch = world ? examples(step, world->rank() * kLocalBatch, kLocalBatch)
                              : examples(step, 0, 2 * kLocalBatch);
    adam.zero_grad();
    Variable loss = cross_entropy(model.forward(batch.x), batch.y);
    if (averager) {
      const GradientReadyGuard watch = averager->watch_backward();
      loss.backward();
      const int64_t started = averager->buckets_started();
      fewest_started = fewest_started < 0 ? started : std::min(fewest_started, started);
    } else {
      loss.backward();
    }
    if (averager) averager->finish();
    adam.step();
  }
  return fewest_started;
}

// Two watched backward passes before finish() would send the first pass's gradients only.
bool second_watch_refused(Communicator& world, const distributed::AveragerOptions& options) {
  Classifier model(1);
  distributed::GradientAverager averager(world, model.parameters(), options);
  const Batch batch = examples(0, world.rank() * kLocalBatch, kLocalBatch);
  {
    const GradientReadyGuard watch = averager.watch_backward();
    cross_entropy(model.forward(batch.x), batch.y).backward();
  }
  bool refused = false;
  try {
    averager.watch_backward();
  } catch (const Error& e) {
    refused = std::string(e.what()).find("before finish()") != std::string::npos;
  }
  averager.finish();  // the started buckets complete on every rank
  return refused;
}

bool unused_parameter_left_alone(Communicator& world) {
  Classifier model(1);
  Generator gen(5);
  const Variable spare(randn({kHidden, kHidden}, gen), true);  // in no forward pass
  const std::vector<float> before = spare.data().to_vector<float>();
  std::vector<Variable> params = model.parameters();
  params.push_back(spare);
  optim::Adam adamw = optim::AdamW({{params, 0.1f}}, {.lr = 0.01f});
  distributed::GradientAverager averager(world, params, {.bucket_bytes = 512});
  for (int64_t step = 0; step < 2; ++step) {
    const Batch batch = examples(step, world.rank() * kLocalBatch, kLocalBatch);
    adamw.zero_grad();
    {
      const GradientReadyGuard watch = averager.watch_backward();
      cross_entropy(model.forward(batch.x), batch.y).backward();
    }
    averager.finish();
    if (spare.grad().defined()) return false;
    adamw.step();
  }
  return spare.data().to_vector<float>() == before;
}

bool report(Communicator& world, const char* what, bool ok) {
  const bool all_ok = world.allreduce_sum(ok ? 0.0 : 1.0) == 0.0;
  if (world.is_root()) std::printf("%s: %s\n", all_ok ? "ok  " : "FAIL", what);
  return all_ok;
}

// True on every rank when all ranks hold exactly `values`.
bool same_on_all_ranks(Communicator& world, const std::vector<float>& values) {
  Tensor mine = from_vector(values), roots = from_vector(values);
  world.broadcast(roots, 0);
  return mine.to_vector<float>() == roots.to_vector<float>();
}

int run() {
  Communicator& world = Communicator::world();
  bool ok = report(world, "started as 2 ranks", world.size() == 2);
  if (!ok) return 1;

  Classifier probe(world.rank() == 0 ? 1 : 2);  // rank 1 starts elsewhere on purpose
  distributed::broadcast_parameters(world, probe.parameters());
  ok &= report(world, "broadcast_parameters gives every rank rank 0's values",
               same_on_all_ranks(world, flatten(probe)));

  distributed::AveragerOptions plain{.bucket_bytes = int64_t{1} << 30, .overlap = false};
  distributed::AveragerOptions bucketed{.bucket_bytes = 512, .overlap = true};
  Classifier with_plain(1), with_buckets(1);
  train(with_plain, &world, plain);
  const int64_t started = train(with_buckets, &world, bucketed);
  const std::vector<float> p_plain = flatten(with_plain), p_buckets = flatten(with_buckets);
  distributed::GradientAverager counter(world, with_buckets.parameters(), bucketed);
  ok &= report(world, "the small buckets are several", counter.bucket_count() >= 4);
  ok &= report(world, "every bucket's allreduce started during backward",
               started == counter.bucket_count());
  ok &= report(world, "bucketed, overlapped averaging equals the plain path bit for bit",
               p_plain == p_buckets);
  ok &= report(world, "all ranks hold the same parameters", same_on_all_ranks(world, p_buckets));
  ok &= report(world, "a second watched backward before finish() is an error",
               second_watch_refused(world, bucketed));
  ok &= report(world, "a parameter no rank uses keeps no gradient, and weight decay leaves it",
               unused_parameter_left_alone(world));

  double worst = 0.0;
  if (world.is_root()) {
    Classifier alone(1);
    train(alone, nullptr, plain);
    const std::vector<float> reference = flatten(alone);
    for (size_t i = 0; i < reference.size(); ++i)
      worst = std::max(worst, static_cast<double>(std::fabs(reference[i] - p_plain[i])));
    std::printf("largest difference from 1 process x batch %lld: %.3g\n",
                static_cast<long long>(2 * kLocalBatch), worst);
  }
  // Adam's first steps move every weight by about lr = 0.01: a difference in the order of the
  // gradient sums changes the weights by float rounding only, orders of magnitude less.
  ok &= report(world, "2 ranks x batch b match 1 process x batch 2b within 1e-5",
               !world.is_root() || worst <= 1e-5);
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "data_parallel_check: %s\n", e.what());
    return 1;
  }
}
