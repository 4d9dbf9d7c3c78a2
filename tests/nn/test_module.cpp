// The Module tree: hierarchical names, mode switches, printing, registration rules, buffers,
// seeded construction, dropout and the positional embeddings.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "nn/token_linear.h"
#include "support/error_message.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/nn.h"

using namespace sg;

namespace {

using testing::TokenLinear;

std::shared_ptr<nn::TransformerBlock> make_block(int64_t dim, int64_t hidden, float p,
                                                 Generator& gen,
                                                 std::shared_ptr<Generator> dropout_gen) {
  return std::make_shared<nn::TransformerBlock>(std::make_shared<TokenLinear>(dim, gen), dim,
                                                hidden, p, gen, std::move(dropout_gen));
}

std::vector<std::string> parameter_names(const nn::Module& m) {
  std::vector<std::string> names;
  for (const auto& [name, p] : m.named_parameters()) names.push_back(name);
  return names;
}

// Exposes the protected registration calls, so the rules on names can be tested directly.
class Open : public nn::Module {
 public:
  using nn::Module::register_buffer;
  using nn::Module::register_module;
  using nn::Module::register_parameter;
  std::string type_name() const override { return "Open"; }
};

// A module owning a buffer and a child that owns one, to check buffer prefixes and set_buffer.
class WithBuffers : public nn::Module {
 public:
  WithBuffers() {
    register_buffer("steps", zeros({2, 3}));
    positions =
        register_module("positions", std::make_shared<nn::SinusoidalPositionalEmbedding>(4, 6));
  }
  std::string type_name() const override { return "WithBuffers"; }

  std::shared_ptr<nn::SinusoidalPositionalEmbedding> positions;
};

}  // namespace

TEST_CASE("Sequential names its parameters by position") {
  Generator gen(0);
  nn::Sequential seq({std::make_shared<nn::Linear>(2, 3, gen), std::make_shared<nn::GELU>(),
                      std::make_shared<nn::Linear>(3, 1, gen)});
  std::vector<std::string> names;
  for (const auto& [name, p] : seq.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(seq.parameter_count() == 2 * 3 + 3 + 3 + 1);
}

TEST_CASE("TransformerBlock names its parameters by path, in registration order") {
  Generator gen(0);
  auto block = make_block(4, 8, 0.0f, gen, nullptr);
  // The block registers norm1, mixer, norm2, ffn, dropout; parameterless modules add no names.
  CHECK(parameter_names(*block) ==
        std::vector<std::string>{"norm1.weight", "norm1.bias", "mixer.proj.weight",
                                 "mixer.proj.bias", "norm2.weight", "norm2.bias", "ffn.up.weight",
                                 "ffn.up.bias", "ffn.down.weight", "ffn.down.bias"});
  // The names point at the very Variables the submodules use.
  const nn::NamedVariables named = block->named_parameters();
  CHECK(named[2].second.impl() == block->mixer->named_parameters()[0].second.impl());
  CHECK(named[9].second.impl() == block->ffn->down->bias.impl());
  CHECK(named[9].second.shape() == Shape{4});
}

TEST_CASE("ModuleList prefixes each block's names with its index") {
  Generator gen(1);
  nn::ModuleList<nn::TransformerBlock> blocks;
  blocks.push_back(make_block(4, 8, 0.0f, gen, nullptr));
  blocks.push_back(make_block(4, 8, 0.0f, gen, nullptr));
  const std::vector<std::string> names = parameter_names(blocks);
  REQUIRE(names.size() == 20);
  CHECK(names[0] == "0.norm1.weight");
  CHECK(names[2] == "0.mixer.proj.weight");
  CHECK(names[9] == "0.ffn.down.bias");
  CHECK(names[10] == "1.norm1.weight");
  CHECK(names[19] == "1.ffn.down.bias");
  CHECK_THROWS_WITH_AS(blocks[2], "ModuleList: index 2 is outside its 2 modules", Error);
}

TEST_CASE("train() and eval() reach every module of the tree") {
  Generator gen(2);
  auto dropout_gen = std::make_shared<Generator>(3);
  nn::ModuleList<nn::TransformerBlock> blocks;
  blocks.push_back(make_block(4, 8, 0.1f, gen, dropout_gen));
  blocks.push_back(make_block(4, 8, 0.1f, gen, dropout_gen));
  // The deepest children: a Linear inside the mixer and one inside the FFN of the last block.
  const nn::Linear& deep = *blocks[1].ffn->up;
  const TokenLinear& mixer = static_cast<const TokenLinear&>(*blocks[1].mixer);
  CHECK(deep.is_training());  // modules start in training mode
  blocks.eval();
  CHECK_FALSE(blocks.is_training());
  CHECK_FALSE(deep.is_training());
  CHECK_FALSE(mixer.proj->is_training());
  CHECK_FALSE(blocks[0].norm2->is_training());
  blocks.train();
  CHECK(deep.is_training());
  CHECK(mixer.proj->is_training());
  // Switching a subtree leaves its parent and siblings alone.
  blocks[0].eval();
  CHECK_FALSE(blocks[0].ffn->down->is_training());
  CHECK(blocks.is_training());
  CHECK(blocks[1].ffn->down->is_training());
}

TEST_CASE("Dropout is the identity in eval mode") {
  nn::Dropout dropout(0.5f, std::make_shared<Generator>(4));
  Generator gen(5);
  const Variable x(randn({8, 16}, gen));
  dropout.eval();
  const Variable y = dropout.forward(x);
  CHECK(y.data().to_vector<float>() == x.data().to_vector<float>());
}

TEST_CASE("Dropout in training zeroes about p of the elements and scales the rest by 1/(1-p)") {
  const float p = 0.3f;
  nn::Dropout dropout(p, std::make_shared<Generator>(6));
  REQUIRE(dropout.is_training());
  const int64_t n = 100000;
  const std::vector<float> y = dropout.forward(Variable(ones({n}))).data().to_vector<float>();
  const float kept = 1.0f / (1.0f - p);
  int64_t zeros_seen = 0, others = 0;
  for (float v : y) {
    if (v == 0.0f) {
      ++zeros_seen;
    } else if (v != kept) {
      ++others;
    }
  }
  CHECK(others == 0);
  // The count is Binomial(n, p): its standard deviation is about 145, so 1% of n is > 6 sigma.
  CHECK(std::fabs(static_cast<double>(zeros_seen) / n - p) < 0.01);
  // p = 0 needs no generator and never drops anything.
  nn::Dropout none(0.0f, nullptr);
  CHECK(none.forward(Variable(ones({4}))).data().to_vector<float>() == std::vector<float>(4, 1.0f));
}

TEST_CASE("zero_grad clears the gradient of every parameter") {
  Generator gen(7);
  auto block = make_block(4, 8, 0.0f, gen, nullptr);
  const Variable x(randn({2, 3, 4}, gen));
  sum(block->forward(x, {})).backward();
  for (const auto& [name, p] : block->named_parameters()) {
    const auto& name_value = name;  // clang 14 cannot capture a structured binding
    INFO(name_value);
    CHECK(p.grad().defined());
  }
  block->zero_grad();
  for (const auto& [name, p] : block->named_parameters()) {
    const auto& name_value = name;  // clang 14 cannot capture a structured binding
    INFO(name_value);
    CHECK_FALSE(p.grad().defined());
  }
}

TEST_CASE("parameter_count is the sum of the parameters' sizes") {
  Generator gen(8);
  auto block = make_block(4, 8, 0.0f, gen, nullptr);
  int64_t total = 0;
  for (const auto& p : block->parameters()) total += p.numel();
  CHECK(block->parameter_count() == total);
  // Written out: two LayerNorms, a 4x4 Linear, a 4->8 and an 8->4 Linear.
  CHECK(total == 2 * (4 + 4) + (16 + 4) + (32 + 8) + (32 + 4));
}

TEST_CASE("to_string shows types, settings, shapes and parameter counts") {
  Generator gen(9);
  auto block = make_block(4, 8, 0.1f, gen, std::make_shared<Generator>(10));
  const std::string text = block->to_string();
  INFO(text);
  CHECK(text.find("TransformerBlock() [" + std::to_string(block->parameter_count()) +
                  " parameters]") == 0);
  CHECK(text.find("(mixer): TokenLinear() [20 parameters]") != std::string::npos);
  CHECK(text.find("(proj): Linear(in=4, out=4, bias=true) [20 parameters]") != std::string::npos);
  CHECK(text.find("(up): Linear(in=4, out=8, bias=true) [40 parameters]") != std::string::npos);
  CHECK(text.find("weight [8, 4]") != std::string::npos);
  CHECK(text.find("(norm1): LayerNorm(dim=4") != std::string::npos);
  CHECK(text.find("(dropout): Dropout(p=0.1) [0 parameters]") != std::string::npos);
  // Children are indented under their parent.
  CHECK(text.find("\n    (proj): Linear") != std::string::npos);

  // Large counts are grouped by thousands; buffers are marked as such.
  nn::Linear wide(1000, 1000, gen, false);
  CHECK(wide.to_string().find("bias=false) [1,000,000 parameters]") != std::string::npos);
  nn::SinusoidalPositionalEmbedding positions(16, 8);
  CHECK(positions.to_string().find("table [16, 8] (buffer)") != std::string::npos);
}

TEST_CASE("registering a name twice or a dotted name throws") {
  Open m;
  m.register_parameter("w", zeros({2}));
  CHECK_THROWS_WITH_AS(m.register_parameter("w", zeros({2})), doctest::Contains("registered twice"),
                       Error);
  // A name is unique across parameters, buffers and submodules alike.
  CHECK_THROWS_AS(m.register_buffer("w", zeros({2})), Error);
  CHECK_THROWS_AS(m.register_module("w", std::make_shared<nn::GELU>()), Error);
  // A '.' would make the hierarchical names ambiguous; an empty name would produce "a..b".
  CHECK_THROWS_WITH_AS(m.register_parameter("a.b", zeros({2})), doctest::Contains("'a.b'"), Error);
  CHECK_THROWS_AS(m.register_buffer("x.y", zeros({2})), Error);
  CHECK_THROWS_AS(m.register_module("m.n", std::make_shared<nn::GELU>()), Error);
  CHECK_THROWS_AS(m.register_parameter("", zeros({2})), Error);
  CHECK(parameter_names(m) == std::vector<std::string>{"w"});
}

TEST_CASE("buffers are listed with their path and set_buffer checks the shape") {
  WithBuffers m;
  const nn::NamedTensors buffers = m.named_buffers();
  REQUIRE(buffers.size() == 2);
  CHECK(buffers[0].first == "steps");
  CHECK(buffers[1].first == "positions.table");
  CHECK(buffers[1].second.shape() == Shape{4, 6});
  CHECK(m.parameters().empty());  // buffers are not trained

  CHECK_THROWS_WITH_AS(m.set_buffer("steps", zeros({3, 2})), doctest::Contains("[2, 3]"), Error);
  CHECK_THROWS_AS(m.set_buffer("steps", zeros({2, 3}, DType::i64)), Error);
  CHECK_THROWS_AS(m.set_buffer("missing", zeros({2, 3})), Error);

  // A matching tensor is copied into the storage the module reads from.
  m.positions->set_buffer("table", full({4, 6}, 0.5f));
  CHECK(m.positions->forward(2).data().to_vector<float>() == std::vector<float>(12, 0.5f));
  CHECK(m.named_buffers()[1].second.at<float>({3, 5}) == 0.5f);
}

TEST_CASE("the same seed builds bit-identical models, another seed different ones") {
  auto build = [](uint64_t seed) {
    Generator gen(seed);
    nn::ModuleList<nn::TransformerBlock> blocks;
    blocks.push_back(make_block(8, 16, 0.0f, gen, nullptr));
    blocks.push_back(make_block(8, 16, 0.0f, gen, nullptr));
    std::vector<std::vector<float>> values;
    for (const auto& p : blocks.parameters()) values.push_back(p.data().to_vector<float>());
    return values;
  };
  const auto a = build(11), b = build(11), c = build(12);
  CHECK(a == b);
  REQUIRE(a.size() == c.size());
  // LayerNorms and biases start at constants; the random weights must all change with the seed.
  CHECK(a[2] != c[2]);    // 0.mixer.proj.weight
  CHECK(a[6] != c[6]);    // 0.ffn.up.weight
  CHECK(a[18] != c[18]);  // 1.ffn.down.weight
  // Two layers of one model draw different numbers from the shared generator.
  CHECK(a[2] != a[12]);
}

TEST_CASE("SinusoidalPositionalEmbedding holds sin and cos of pos / 10000^(2k/d)") {
  const int64_t dim = 8;
  nn::SinusoidalPositionalEmbedding positions(10, dim);
  const Tensor table = positions.forward(10).data();
  CHECK(table.shape() == Shape{10, dim});
  for (int64_t pos : {0, 1, 7}) {
    for (int64_t k = 0; k < dim / 2; ++k) {
      // Frequencies written as exp(-2k ln(10000) / d), another route than the implementation's.
      const double angle = pos * std::exp(-2.0 * k * std::log(10000.0) / dim);
      INFO("pos " << pos << ", k " << k);
      // Absolute: the values lie in [-1, 1], and sin is near 0 at small angles.
      CHECK(std::fabs(table.at<float>({pos, 2 * k}) - std::sin(angle)) <= 1e-6);
      CHECK(std::fabs(table.at<float>({pos, 2 * k + 1}) - std::cos(angle)) <= 1e-6);
    }
  }
  // A shorter sequence is the first rows of the same table.
  CHECK(positions.forward(3).data().to_vector<float>() ==
        table.narrow(0, 0, 3).contiguous().to_vector<float>());
}

TEST_CASE("positional embeddings reject lengths beyond their maximum") {
  Generator gen(13);
  nn::LearnedPositionalEmbedding learned(5, 4, gen);
  nn::SinusoidalPositionalEmbedding fixed(5, 4);
  CHECK(learned.forward(5).shape() == Shape{5, 4});
  CHECK(fixed.forward(5).shape() == Shape{5, 4});
  CHECK_THROWS_WITH_AS(learned.forward(6), doctest::Contains("exceeds the maximum 5"), Error);
  CHECK_THROWS_WITH_AS(fixed.forward(6), doctest::Contains("exceeds the maximum 5"), Error);
  CHECK_THROWS_WITH_AS(learned.forward(-1), doctest::Contains("sequence length -1 is negative"),
                       Error);
}

TEST_CASE("Linear and LayerNorm name themselves for an input of the wrong width or dtype") {
  Generator gen(3);
  nn::Linear linear(3, 4, gen);
  CHECK(sg::testing::error_message([&] {
          linear.forward(Variable(zeros({2, 5})));
        }) == "Linear: input of shape [2, 5] does not end in in_features=3");
  // An integer input reached matmul, whose message did not say which layer.
  CHECK(sg::testing::error_message([&] {
          linear.forward(Variable(zeros({2, 3}, DType::i64)));
        }) == "Linear: input of dtype i64 (shape [2, 3]), expected f32");
  nn::LayerNorm norm(5);
  // layer_norm's own message blamed its gamma for the input's width.
  CHECK(sg::testing::error_message([&] {
          norm.forward(Variable(zeros({2, 4})));
        }) == "LayerNorm: input of shape [2, 4] does not end in dim=5");
}
