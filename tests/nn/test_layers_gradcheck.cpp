// Every layer against central finite differences, with respect to its input and its parameters.
// A layer's parameters are public Variables: the checked function assigns the gradcheck inputs to
// them and then runs forward, so one call differentiates input and parameters together.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "nn/token_linear.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/nn.h"

using namespace sg;

namespace {

using Vars = std::vector<Variable>;

void check(const GradcheckFunction& f, const std::vector<Tensor>& inputs) {
  GradcheckResult r = gradcheck(f, inputs);
  INFO(r.message);
  CHECK(r.ok);
}

Tensor random(const Shape& shape, uint64_t seed, float scale = 1.0f) {
  Generator gen(seed);
  return randn(shape, gen, 0.0f, scale);
}

// A copy of a parameter's values, so that gradcheck's perturbations leave the layer's own alone.
Tensor copy(const Variable& parameter) {
  return parameter.data().clone();
}

using testing::TokenLinear;

}  // namespace

TEST_CASE("gradcheck: Linear with respect to its input, weight and bias") {
  Generator gen(1);
  nn::Linear linear(4, 3, gen);
  // A non-zero bias, so that a wrongly broadcast bias gradient shows in the output too.
  linear.bias.set_data(random({3}, 2));
  check(
      [&](const Vars& v) {
        linear.weight = v[1];
        linear.bias = v[2];
        return linear.forward(v[0]);
      },
      {random({2, 5, 4}, 3), copy(linear.weight), copy(linear.bias)});
}

TEST_CASE("gradcheck: Linear without bias, on a matrix and on a single vector") {
  Generator gen(4);
  nn::Linear linear(3, 2, gen, false);
  REQUIRE_FALSE(linear.bias.defined());
  auto f = [&](const Vars& v) {
    linear.weight = v[1];
    return linear.forward(v[0]);
  };
  check(f, {random({4, 3}, 5), copy(linear.weight)});
  check(f, {random({3}, 6), copy(linear.weight)});
}

TEST_CASE("gradcheck: Embedding with respect to its weight, with repeated ids") {
  Generator gen(7);
  nn::Embedding embedding(5, 3, gen);
  // Id 2 appears three times, so its row must add up three gradients; row 4 gets none.
  const Tensor ids = from_vector<int64_t>({2, 0, 2, 1, 3, 2}, {2, 3});
  check(
      [&](const Vars& v) {
        embedding.weight = v[0];
        return embedding.forward(ids);
      },
      {copy(embedding.weight)});
}

TEST_CASE("gradcheck: LearnedPositionalEmbedding added to token embeddings") {
  Generator gen(8);
  nn::Embedding tokens(6, 4, gen);
  nn::LearnedPositionalEmbedding positions(5, 4, gen);
  const Tensor ids = from_vector<int64_t>({1, 5, 1, 0, 2, 2}, {2, 3});
  // Length 3 of 5: the rows past the sequence take no gradient, and [3, 4] broadcasts over B.
  check(
      [&](const Vars& v) {
        tokens.weight = v[0];
        positions.weight = v[1];
        return tokens.forward(ids) + positions.forward(3);
      },
      {copy(tokens.weight), copy(positions.weight)});
}

TEST_CASE("gradcheck: LayerNorm with respect to its input, weight and bias") {
  nn::LayerNorm norm(5);
  // Random weight and bias rather than the initial 1 and 0, which would hide a weight missing
  // from the input's gradient.
  check(
      [&](const Vars& v) {
        norm.weight = v[1];
        norm.bias = v[2];
        return norm.forward(v[0]);
      },
      {random({2, 3, 5}, 9), random({5}, 10), random({5}, 11)});
}

TEST_CASE("gradcheck: FeedForward with respect to its input and all four parameters") {
  Generator gen(12);
  nn::FeedForward ffn(4, 6, 0.0f, gen, nullptr);
  // normal(0, 0.02) weights make the output nearly linear; larger ones exercise GELU's curve.
  ffn.up->weight.set_data(random({6, 4}, 13, 0.5f));
  ffn.down->weight.set_data(random({4, 6}, 14, 0.5f));
  check(
      [&](const Vars& v) {
        ffn.up->weight = v[1];
        ffn.up->bias = v[2];
        ffn.down->weight = v[3];
        ffn.down->bias = v[4];
        return ffn.forward(v[0]);
      },
      {random({2, 3, 4}, 15), copy(ffn.up->weight), copy(ffn.up->bias), copy(ffn.down->weight),
       copy(ffn.down->bias)});
}

TEST_CASE("gradcheck: Sequential of Linear, GELU, LayerNorm and Linear") {
  Generator gen(16);
  auto first = std::make_shared<nn::Linear>(3, 5, gen, true, nn::Init::xavier_uniform);
  auto norm = std::make_shared<nn::LayerNorm>(5);
  auto last = std::make_shared<nn::Linear>(5, 2, gen, true, nn::Init::xavier_uniform);
  nn::Sequential seq({first, std::make_shared<nn::GELU>(), norm, last});
  check(
      [&](const Vars& v) {
        first->weight = v[1];
        norm->weight = v[2];
        last->bias = v[3];
        return seq.forward(v[0]);
      },
      {random({4, 3}, 17), copy(first->weight), random({5}, 18), copy(last->bias)});
}

TEST_CASE("gradcheck: TransformerBlock with a per-token mixer, w.r.t. input and parameters") {
  Generator gen(19);
  auto mixer = std::make_shared<TokenLinear>(4, gen);
  nn::TransformerBlock block(mixer, 4, 8, 0.0f, gen, nullptr);
  // Larger weights than the 0.02 default, so the branches are not drowned by the residual path.
  mixer->proj->weight.set_data(random({4, 4}, 20, 0.5f));
  block.ffn->down->weight.set_data(random({4, 8}, 21, 0.5f));
  check(
      [&](const Vars& v) {
        block.norm1->weight = v[1];
        mixer->proj->weight = v[2];
        block.norm2->bias = v[3];
        block.ffn->down->weight = v[4];
        return block.forward(v[0], {});
      },
      {random({2, 3, 4}, 22), random({4}, 23), copy(mixer->proj->weight), random({4}, 24),
       copy(block.ffn->down->weight)});
}

TEST_CASE("gradcheck: Dropout in training mode, replaying one mask") {
  auto dropout_gen = std::make_shared<Generator>(25);
  nn::Dropout dropout(0.4f, dropout_gen);
  const GeneratorState start = dropout_gen->state();
  // Every evaluation rewinds the generator, so the finite differences see the same mask.
  check(
      [&](const Vars& v) {
        dropout_gen->set_state(start);
        return dropout.forward(v[0]);
      },
      {random({3, 5}, 26)});
}

TEST_CASE("gradcheck: Dropout in evaluation mode and at p = 0 passes the gradient through") {
  auto dropout_gen = std::make_shared<Generator>(27);
  nn::Dropout off(0.0f, nullptr);
  nn::Dropout dropout(0.4f, dropout_gen);
  dropout.eval();
  const std::vector<Tensor> in{random({3, 5}, 28), random({5, 3}, 29).transpose(0, 1)};
  check([&](const Vars& v) { return off.forward(v[0]) * v[1]; }, in);
  check([&](const Vars& v) { return dropout.forward(v[0]) * v[1]; }, in);
  check([&](const Vars& v) { return dropout.forward_residual(v[0], v[1] * v[1]); }, in);
  CHECK(dropout_gen->state().counter == 0);
}

TEST_CASE("gradcheck: LayerNorm::forward_residual, both outputs, with dropout replaying a mask") {
  auto dropout_gen = std::make_shared<Generator>(30);
  nn::Dropout dropout(0.3f, dropout_gen);
  nn::LayerNorm norm(5, 0.1f);
  const GeneratorState start = dropout_gen->state();
  const Tensor c = random({2, 3, 5}, 31);
  for (bool training : {true, false}) {
    INFO("training " << training);
    dropout.train(training);
    check(
        [&](const Vars& v) {
          dropout_gen->set_state(start);
          norm.weight = v[2];
          norm.bias = v[3];
          const AddLayerNorm out = norm.forward_residual(v[0], v[1], dropout);
          return out.sum * Variable(c) + out.norm;
        },
        {random({2, 3, 5}, 32), random({2, 3, 5}, 33), random({5}, 34), random({5}, 35)});
  }
}

TEST_CASE("gradcheck: FeedForward in training with dropout, replaying one mask") {
  Generator gen(36);
  auto dropout_gen = std::make_shared<Generator>(37);
  nn::FeedForward ffn(4, 6, 0.3f, gen, dropout_gen);
  ffn.up->weight.set_data(random({6, 4}, 38, 0.5f));
  ffn.down->weight.set_data(random({4, 6}, 39, 0.5f));
  const GeneratorState start = dropout_gen->state();
  check(
      [&](const Vars& v) {
        dropout_gen->set_state(start);
        ffn.up->weight = v[1];
        ffn.up->bias = v[2];
        ffn.down->weight = v[3];
        return ffn.forward(v[0]);
      },
      {random({2, 3, 4}, 40), copy(ffn.up->weight), random({6}, 41), copy(ffn.down->weight)});
  CHECK(dropout_gen->state().counter > start.counter);  // the mask was drawn: dropout was on
}

TEST_CASE("gradcheck: TransformerBlocks with dropout, alone and chained through the next norm") {
  Generator gen(42);
  auto dropout_gen = std::make_shared<Generator>(43);
  auto mixer1 = std::make_shared<TokenLinear>(4, gen);
  auto mixer2 = std::make_shared<TokenLinear>(4, gen);
  nn::TransformerBlock block1(mixer1, 4, 8, 0.25f, gen, dropout_gen);
  nn::TransformerBlock block2(mixer2, 4, 8, 0.25f, gen, dropout_gen);
  nn::LayerNorm final_norm(4);
  mixer1->proj->weight.set_data(random({4, 4}, 44, 0.5f));
  mixer2->proj->weight.set_data(random({4, 4}, 45, 0.5f));
  block1.ffn->down->weight.set_data(random({4, 8}, 46, 0.5f));
  block2.ffn->down->weight.set_data(random({4, 8}, 47, 0.5f));
  const GeneratorState start = dropout_gen->state();
  const std::vector<Tensor> in{random({2, 3, 4}, 48), random({4}, 49), copy(mixer1->proj->weight),
                               random({4}, 50), copy(block2.ffn->down->weight)};
  const auto set = [&](const Vars& v) {
    dropout_gen->set_state(start);
    block1.norm1->weight = v[1];
    mixer1->proj->weight = v[2];
    block2.norm2->bias = v[3];
    block2.ffn->down->weight = v[4];
  };
  // The per-block form: each block adds its residuals with add_dropout_layer_norm and add_dropout.
  check(
      [&](const Vars& v) {
        set(v);
        return block2.forward(block1.forward(v[0], {}), {});
      },
      in);
  // The chained form: each block's last residual add is fused with the next block's first norm,
  // and the last with the final norm; both outputs of the last one are used.
  check(
      [&](const Vars& v) {
        set(v);
        const AddLayerNorm h0{v[0], block1.norm1->forward(v[0])};
        const AddLayerNorm h1 = block1.forward(h0, {}, *block2.norm1);
        const AddLayerNorm h2 = block2.forward(h1, {}, final_norm);
        return h2.norm + h2.sum * 0.5f;
      },
      in);
  CHECK(dropout_gen->state().counter > start.counter);
}
