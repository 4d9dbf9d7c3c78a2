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
  const nn::AttentionConfig attention{
      .dim = kDim, .heads = 2, .max_length = kLength, .variant = "D+V", .dropout = 0.0f};
  Generator init(5);
  auto dropout_gen = std::make_shared<Generator>(6);
  nn::TransformerBlock block(std::make_shared<nn::Attention>(attention, init, dropout_gen), kDim,
                             kHidden, kDropout, init, dropout_gen);
  testing::perturb_parameters(block, 7);
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
