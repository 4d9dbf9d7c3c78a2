// FeedForward and TransformerBlock outputs against the formulas, in double precision
// (nn/transformer_reference.h, with the attention of nn/attention_reference.h).
#include <doctest/doctest.h>

#include "nn/attention_reference.h"
#include "nn/transformer_reference.h"
#include "synthgrad/autograd/autograd.h"
#include "synthgrad/core/core.h"
#include "synthgrad/nn/nn.h"

using namespace sg;
using testing::DropoutReplay;
using testing::Values;

namespace {

constexpr int64_t kBatch = 2, kLength = 5, kDim = 8, kHidden = 12;
constexpr float kDropout = 0.3f;

Tensor random_input(uint64_t seed) {
  Generator gen(seed);
  return randn({kBatch, kLength, kDim}, gen, 0.0f, 1.5f);
}

nn::AttentionConfig attention_config(const std::string& variant, float dropout) {
  return {.dim = kDim, .heads = 2, .max_length = kLength, .variant = variant, .dropout = dropout};
}

// A block, its parameters perturbed away from their initial values.
std::shared_ptr<nn::TransformerBlock> make_block(const nn::AttentionConfig& attention,
                                                 uint64_t seed,
                                                 const std::shared_ptr<Generator>& dropout_gen) {
  Generator init(seed);
  auto block = std::make_shared<nn::TransformerBlock>(
      std::make_shared<nn::Attention>(attention, init, dropout_gen), kDim, kHidden, kDropout, init,
      dropout_gen);
  testing::perturb_parameters(*block, seed + 1);
  return block;
}

}  // namespace

TEST_CASE("FeedForward is Linear, exact GELU, dropout and Linear") {
  Generator init(1);
  auto dropout_gen = std::make_shared<Generator>(2);
  nn::FeedForward ffn(kDim, kHidden, kDropout, init, dropout_gen);
  testing::perturb_parameters(ffn, 3);
  const Tensor x = random_input(4);
  testing::check_against_reference(
      ffn, *dropout_gen, kDropout, [&] { return ffn.forward(Variable(x)).data(); },
      [&](const testing::Params& params, DropoutReplay* replay) {
        return testing::feed_forward(params, testing::values_of(x), kDim, replay);
      });
}

TEST_CASE("TransformerBlock is pre-LN with a residual around attention and around the FFN") {
  const nn::AttentionConfig attention = attention_config("D+V", 0.0f);
  auto dropout_gen = std::make_shared<Generator>(6);
  const auto owner = make_block(attention, 5, dropout_gen);
  nn::TransformerBlock& block = *owner;
  const Tensor x = random_input(8);
  for (const bool causal : {false, true}) {
    INFO("causal: ", causal);
    testing::check_against_reference(
        block, *dropout_gen, kDropout,
        [&] { return block.forward(Variable(x), {.padding = {}, .causal = causal}).data(); },
        [&](const testing::Params& params, DropoutReplay* replay) {
          const testing::ReferenceAttention mixer{attention,
                                                  testing::params_under(params, "mixer")};
          const testing::Mixer attend = [&](const Values& normed) {
            return mixer.forward(normed, kBatch, kLength, {}, causal);
          };
          return testing::transformer_block(params, testing::values_of(x), kDim, attend, replay);
        });
  }
}

TEST_CASE("TransformerBlock's stacked form is forward, then the next norm, bit for bit") {
  auto dropout_gen = std::make_shared<Generator>(10);
  const auto owner = make_block(attention_config("V", 0.1f), 9, dropout_gen);
  nn::TransformerBlock& block = *owner;
  nn::LayerNorm next_norm(kDim);
  testing::perturb_parameters(next_norm, 12);
  const Variable c1(random_input(13)), c2(random_input(14));
  const auto run = [&](bool stacked, uint64_t seed) {
    dropout_gen->set_state(GeneratorState{.seed = seed, .counter = 0});
    block.zero_grad();
    next_norm.zero_grad();
    const Variable x(random_input(15), true);
    AddLayerNorm y;
    if (stacked) {
      y = block.forward(AddLayerNorm{x, block.norm1->forward(x)}, {}, next_norm);
    } else {
      y.sum = block.forward(x, {});
      y.norm = next_norm.forward(y.sum);
    }
    (sum(y.sum * c1) + sum(y.norm * c2)).backward();
    std::vector<std::vector<float>> out{y.sum.data().to_vector<float>(),
                                        y.norm.data().to_vector<float>(),
                                        x.grad().to_vector<float>()};
    for (const auto& [name, p] : block.named_parameters())
      out.push_back(p.grad().to_vector<float>());
    for (const auto& [name, p] : next_norm.named_parameters())
      out.push_back(p.grad().to_vector<float>());
    return out;
  };
  const auto stacked = run(true, 16);
  CHECK(stacked == run(false, 16));
  CHECK(stacked != run(true, 17));  // other masks: the comparison above is not vacuous
}
