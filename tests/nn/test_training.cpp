#include <doctest/doctest.h>

#include <filesystem>

#include "child_process.h"
#include "nn/toy_trainer.h"

using namespace sg;

namespace {

std::vector<float> flat_parameters(const nn::Module& m) {
  std::vector<float> out;
  for (const auto& [name, p] : m.named_parameters()) {
    auto v = p.data().to_vector<float>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

float accuracy(nn::UnaryModule& model, const Tensor& x, const std::vector<int64_t>& labels) {
  NoGradGuard no_grad;
  model.eval();
  const std::vector<int64_t> predicted =
      argmax(model.forward(Variable(x)).data(), -1).to_vector<int64_t>();
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i];
  return static_cast<float>(correct) / static_cast<float>(labels.size());
}

float train_full_batch(nn::UnaryModule& model, const Tensor& x, const std::vector<int64_t>& labels,
                       int steps, float lr) {
  optim::Adam adam({{model.parameters()}}, {.lr = lr});
  float loss_value = 0.0f;
  model.train();
  for (int s = 0; s < steps; ++s) {
    Variable loss = cross_entropy(model.forward(Variable(x)), from_vector(labels));
    adam.zero_grad();
    loss.backward();
    adam.step();
    loss_value = loss.item<float>();
  }
  return loss_value;
}

}  // namespace

TEST_CASE("an MLP learns XOR") {
  Generator gen(0);
  nn::Sequential mlp({std::make_shared<nn::Linear>(2, 8, gen, true, nn::Init::xavier_uniform),
                      std::make_shared<nn::ReLU>(),
                      std::make_shared<nn::Linear>(8, 2, gen, true, nn::Init::xavier_uniform)});
  const Tensor x = from_vector<float>({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const std::vector<int64_t> y{0, 1, 1, 0};
  const float loss = train_full_batch(mlp, x, y, 300, 0.05f);
  CHECK(loss < 0.05f);
  CHECK(accuracy(mlp, x, y) == 1.0f);
}

TEST_CASE("a small classifier reaches 100% train accuracy on separable blobs") {
  Generator gen(1);
  const int64_t per_class = 20;
  Tensor x = randn({3 * per_class, 2}, gen, 0.0f, 0.3f);
  std::vector<int64_t> y;
  const float centres[3][2] = {{2, 0}, {-1, 1.7f}, {-1, -1.7f}};
  for (int64_t i = 0; i < 3 * per_class; ++i) {
    y.push_back(i / per_class);
    x.at<float>({i, 0}) += centres[i / per_class][0];
    x.at<float>({i, 1}) += centres[i / per_class][1];
  }
  nn::Sequential model({std::make_shared<nn::Linear>(2, 16, gen, true, nn::Init::kaiming_uniform),
                        std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(16, 3, gen)});
  CHECK(accuracy(model, x, y) < 1.0f);
  train_full_batch(model, x, y, 150, 0.02f);
  CHECK(accuracy(model, x, y) == 1.0f);
}

TEST_CASE("the same seed gives bit-identical training runs") {
  testing::ToyTrainer a(7), b(7), c(8);
  a.train(12);
  b.train(12);
  c.train(12);
  CHECK(flat_parameters(a.model()) == flat_parameters(b.model()));
  CHECK(flat_parameters(a.model()) != flat_parameters(c.model()));
}

namespace {

// Resumes a ToyTrainer from args[0], trains args[1] steps and saves its weights to args[2].
int resume_and_train(const std::vector<std::string>& args) {
  testing::ToyTrainer trainer(7);
  trainer.load(args.at(0));
  trainer.train(std::stoi(args.at(1)));
  nn::save_module(trainer.model(), args.at(2));
  return 0;
}
SG_CHILD_ROUTINE("resume_and_train", resume_and_train);

}  // namespace

TEST_CASE("N steps equal N/2 steps, a checkpoint, a new process and N/2 more, bit for bit") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("sg_resume_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // 14 steps of 8 from 48 examples: the run crosses two epoch boundaries and the checkpoint falls
  // mid-epoch, so order, position and generator states all matter.
  testing::ToyTrainer straight(7), first_half(7);
  straight.train(14);
  first_half.train(7);
  first_half.save((dir / "half.safetensors").string());
  REQUIRE(testing::run_child("resume_and_train", {(dir / "half.safetensors").string(), "7",
                                                  (dir / "final.safetensors").string()}) == 0);
  testing::ToyTrainer resumed(99);  // different seed: everything must come from the file
  nn::load_module(resumed.model(), (dir / "final.safetensors").string());
  CHECK(flat_parameters(resumed.model()) == flat_parameters(straight.model()));
  std::filesystem::remove_all(dir);
}
