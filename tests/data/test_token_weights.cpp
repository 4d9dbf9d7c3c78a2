#include <doctest/doctest.h>

#include "fixtures.h"
#include "synthgrad/data/token_weights.h"

using namespace sg;
using sg::testing::error_message;

TEST_CASE("smooth inverse frequencies weigh frequent tokens less, unseen ones 1") {
  // p = 0, 1/4, 3/4 with a = 1/4: 1, (1/4) / (1/2), (1/4) / 1.
  const Tensor weights = data::smooth_inverse_frequencies({0, 1, 3}, 0.25);
  CHECK(weights.shape() == Shape{3});
  CHECK(weights.to_vector<float>() == std::vector<float>{1.0f, 0.5f, 0.25f});
}

TEST_CASE("smooth inverse frequencies refuse a <= 0, negative counts and no counts") {
  CHECK(error_message([] {
          data::smooth_inverse_frequencies({1, 2}, 0.0);
        }).find("a must be") != std::string::npos);
  CHECK(error_message([] {
          data::smooth_inverse_frequencies({1, -2}, 0.1);
        }).find("negative") != std::string::npos);
  CHECK(error_message([] {
          data::smooth_inverse_frequencies({0, 0}, 0.1);
        }).find("no token") != std::string::npos);
}
