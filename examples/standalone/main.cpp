// A model written outside synthgrad's tree, against its installed headers and libraries: a new
// differentiable op (swish) with its backward rule and a finite-difference check, a new layer
// built on it, a small classifier of two interleaved spirals trained with Adam, and a checkpoint
// saved and loaded back. Exit code 0 when every step worked.
//
//   spirals OUT.safetensors
#include <synthgrad/synthgrad.h>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>
#include <vector>

using namespace sg;

namespace {

// Linear layers of a network this small train faster from Xavier's init than from the default
// normal(0, 0.02).
std::shared_ptr<nn::Linear> linear(int64_t in, int64_t out, Generator& gen) {
  return std::make_shared<nn::Linear>(in, out, gen, true, nn::Init::xavier_uniform);
}

// swish(x) = x sigmoid(x). The forward runs core kernels; record() attaches the backward rule,
// d swish / dx = s + x s (1 - s) with s = sigmoid(x), when a gradient is wanted.
Variable swish(const Variable& x) {
  const Tensor s = sigmoid(x.data());
  return record("swish", {x}, mul(x.data(), s), [x = x.data(), s](const Tensor& grad, auto&) {
    const Tensor slope = add(s, mul(mul(x, s), sub(ones(s.shape()), s)));
    return Grads{mul(grad, slope)};
  });
}

// A layer: x + W2 swish(W1 x), a residual block of width `dim` with a hidden layer of `hidden`.
class SwishResidual : public nn::UnaryModule {
 public:
  SwishResidual(int64_t dim, int64_t hidden, Generator& gen) {
    expand = register_module("expand", linear(dim, hidden, gen));
    project = register_module("project", linear(hidden, dim, gen));
  }
  Variable forward(const Variable& x) override {
    return x + project->forward(swish(expand->forward(x)));
  }
  std::string type_name() const override { return "SwishResidual"; }

  std::shared_ptr<nn::Linear> expand, project;
};

// Points (x, y) -> two logits: an input layer, two residual blocks, an output layer.
class SpiralClassifier : public nn::UnaryModule {
 public:
  explicit SpiralClassifier(Generator& gen) {
    constexpr int64_t kWidth = 32;
    input = register_module("input", linear(2, kWidth, gen));
    for (int i = 0; i < 2; ++i)
      blocks.push_back(register_module("block" + std::to_string(i),
                                       std::make_shared<SwishResidual>(kWidth, 64, gen)));
    output = register_module("output", linear(kWidth, 2, gen));
  }
  Variable forward(const Variable& x) override {
    Variable h = input->forward(x);
    for (const auto& block : blocks) h = block->forward(h);
    return output->forward(h);
  }
  std::string type_name() const override { return "SpiralClassifier"; }

  std::shared_ptr<nn::Linear> input, output;
  std::vector<std::shared_ptr<SwishResidual>> blocks;
};

struct Dataset {
  Tensor points;  // [n, 2]
  Tensor labels;  // [n], i64: which spiral
};

// Two spirals of `n` points each, one the other turned by half a turn, with a little noise.
Dataset spirals(int64_t n, Generator& gen) {
  const Tensor noise = randn({2 * n, 2}, gen, 0.0f, 0.05f);
  const float* jitter = noise.data<float>();
  std::vector<float> points;
  std::vector<int64_t> labels;
  for (int64_t arm = 0; arm < 2; ++arm)
    for (int64_t i = 0; i < n; ++i) {
      const double t = 0.25 + 1.5 * static_cast<double>(i) / static_cast<double>(n);
      const double angle = 2 * std::numbers::pi * t + std::numbers::pi * static_cast<double>(arm);
      const int64_t row = arm * n + i;
      points.push_back(static_cast<float>(t / 2 * std::cos(angle)) + jitter[2 * row]);
      points.push_back(static_cast<float>(t / 2 * std::sin(angle)) + jitter[2 * row + 1]);
      labels.push_back(arm);
    }
  return {from_vector(points, {2 * n, 2}), from_vector(labels)};
}

double accuracy(SpiralClassifier& model, const Dataset& data) {
  const NoGradGuard no_grad;
  const Tensor predicted = argmax(model.forward(data.points).data(), 1);
  int64_t right = 0;
  for (int64_t i = 0; i < predicted.numel(); ++i)
    right += predicted.data<int64_t>()[i] == data.labels.data<int64_t>()[i];
  return static_cast<double>(right) / static_cast<double>(predicted.numel());
}

bool same_outputs(SpiralClassifier& a, SpiralClassifier& b, const Tensor& points) {
  const NoGradGuard no_grad;
  const Tensor ya = a.forward(points).data(), yb = b.forward(points).data();
  for (int64_t i = 0; i < ya.numel(); ++i)
    if (ya.data<float>()[i] != yb.data<float>()[i]) return false;
  return true;
}

int run(const std::string& checkpoint) {
  Generator gen(7);
  const GradcheckResult check =
      gradcheck([](const std::vector<Variable>& v) { return swish(v[0]); }, {randn({3, 4}, gen)});
  std::printf("swish gradcheck: %s\n", check ? "passed" : check.message.c_str());
  if (!check) return 1;

  const Dataset train = spirals(200, gen), test = spirals(100, gen);
  SpiralClassifier model(gen);
  optim::AdamOptions options;
  options.lr = 0.01f;
  optim::Adam adam({{model.parameters()}}, options);
  for (int step = 1; step <= 1000; ++step) {
    adam.zero_grad();
    Variable loss = cross_entropy(model.forward(train.points), train.labels);
    loss.backward();
    adam.step();
    if (step % 250 == 0) std::printf("step %d: loss %.4f\n", step, loss.item<float>());
  }
  model.eval();
  const double test_accuracy = accuracy(model, test);
  std::printf("test accuracy: %.3f\n", test_accuracy);

  nn::save_module(model, checkpoint);
  Generator other(99);
  SpiralClassifier reloaded(other);
  nn::load_module(reloaded, checkpoint);
  reloaded.eval();
  const bool same = same_outputs(model, reloaded, test.points);
  std::printf("checkpoint %s: %s\n", checkpoint.c_str(),
              same ? "reloaded, same outputs" : "reloaded with DIFFERENT outputs");
  return test_accuracy >= 0.95 && same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.safetensors\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "spirals: %s\n", e.what());
    return 1;
  }
}
