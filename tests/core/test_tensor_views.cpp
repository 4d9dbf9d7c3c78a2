#include <doctest/doctest.h>

#include "core/core.h"

using namespace sg;

TEST_CASE("transpose of a reshape is a view with swapped strides") {
  Tensor x = arange(6, DType::i64).to(DType::f32).reshape({2, 3});
  Tensor t = x.transpose(0, 1);
  CHECK(t.shares_storage_with(x));
  CHECK(t.shape() == Shape{3, 2});
  CHECK(t.strides() == Shape{1, 3});
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.contiguous().to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5});
}
