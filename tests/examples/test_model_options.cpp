#include <doctest/doctest.h>

#include <cmath>

#include "examples/support/model_options.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/embedding.h"
#include "synthgrad/nn/linear.h"
#include "synthgrad/optim/clip.h"

namespace sg {
namespace {

// A trunk with a token embedding, and a head: the names trunk_optimizer_groups looks for.
struct TinyTrunk : nn::Module {
  explicit TinyTrunk(Generator& gen) {
    tokens = register_module("tokens", std::make_shared<nn::Embedding>(5, 4, gen));
  }
  std::string type_name() const override { return "TinyTrunk"; }
  std::shared_ptr<nn::Embedding> tokens;
};

struct TinyModel : nn::Module {
  explicit TinyModel(Generator& gen) {
    trunk = register_module("trunk", std::make_shared<TinyTrunk>(gen));
    head = register_module("head", std::make_shared<nn::Linear>(4, 2, gen));
  }
  std::string type_name() const override { return "TinyModel"; }
  Variable forward(const Tensor& ids) { return head->forward(trunk->tokens->forward(ids)); }
  std::shared_ptr<TinyTrunk> trunk;
  std::shared_ptr<nn::Linear> head;
};

size_t parameters_in(const std::vector<optim::ParamGroup>& groups) {
  size_t n = 0;
  for (const optim::ParamGroup& group : groups) n += group.params.size();
  return n;
}

}  // namespace

TEST_CASE("trunk_optimizer_groups: the embedding at the full rate, slowed, or frozen") {
  Generator gen(1);
  TinyModel model(gen);
  CHECK(parameters_in(examples::trunk_optimizer_groups(model, 0.1f, 1.0f)) == 3);
  const auto slowed = examples::trunk_optimizer_groups(model, 0.1f, 0.25f);
  REQUIRE(parameters_in(slowed) == 3);
  CHECK(slowed.back().params[0].impl() == model.trunk->tokens->weight.impl());
  CHECK(slowed.back().lr_scale == 0.25f);

  // Frozen: out of the optimizer, and no gradient is computed for it, so the clip's norm is the
  // head's alone.
  const auto frozen = examples::trunk_optimizer_groups(model, 0.1f, 0.0f);
  CHECK(parameters_in(frozen) == 2);
  CHECK_FALSE(model.trunk->tokens->weight.requires_grad());
  sum(model.forward(from_vector<int64_t>({0, 3, 4}))).backward();
  CHECK_FALSE(model.trunk->tokens->weight.grad().defined());
  double head_norm = 0.0;
  for (const Variable& p : model.head->parameters())
    for (float g : p.grad().to_vector<float>()) head_norm += static_cast<double>(g) * g;
  CHECK(optim::clip_grad_norm(model.parameters(), 1e9f) == doctest::Approx(std::sqrt(head_norm)));
}

}  // namespace sg
