#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

// sum, mean and max over every subset of x's axes (the empty subset means all), with and without
// keepdim, against the naive loops. Max is exact; sums and means get a relative tolerance.
void check_every_axes_combination(const Tensor& x) {
  const int64_t rank = x.dim();
  for (int64_t subset = 0; subset < (int64_t{1} << rank); ++subset) {
    std::vector<int64_t> axes;
    for (int64_t d = 0; d < rank; ++d)
      if (subset & (int64_t{1} << d)) axes.push_back(d);
    for (bool keepdim : {false, true}) {
      CAPTURE(subset);
      CAPTURE(keepdim);
      ref::check_close(sum(x, axes, keepdim), ref::reduce(x, axes, keepdim, ref::Reduction::sum));
      ref::check_close(mean(x, axes, keepdim), ref::reduce(x, axes, keepdim, ref::Reduction::mean));
      ref::check_close(max(x, axes, keepdim), ref::reduce(x, axes, keepdim, ref::Reduction::max),
                       0.0, 0.0);
    }
  }
}

}  // namespace

TEST_CASE("sum mean and max over every axes combination of a contiguous tensor") {
  check_every_axes_combination(ref::uniform_tensor({3, 4, 5}, 1));
}

TEST_CASE("reductions over every axes combination of a transposed tensor") {
  check_every_axes_combination(ref::uniform_tensor({4, 5, 6}, 2).transpose(0, 2));
}

TEST_CASE("reductions over every axes combination of a step-sliced tensor") {
  check_every_axes_combination(
      ref::uniform_tensor({7, 9, 4}, 3).slice(0, 1, 7, 2).slice(1, 0, 9, 4));
}

TEST_CASE("reductions over every axes combination of an expanded tensor") {
  check_every_axes_combination(ref::uniform_tensor({3, 1, 5}, 4).expand({2, 3, 4, 5}));
}

TEST_CASE("reductions over every axes combination of a permuted 4-D tensor") {
  check_every_axes_combination(ref::uniform_tensor({2, 3, 4, 5}, 5).permute({3, 1, 0, 2}));
}

TEST_CASE(
    "reductions keeping a unit-stride row of 16 or more trailing elements, tensors and views") {
  // Kept trailing axes that form a unit-stride row of 16 or more are reduced whole rows at a time,
  // straight from the input's strides: contiguous, permuted, offset, step-sliced, expanded inputs.
  check_every_axes_combination(ref::uniform_tensor({3, 4, 5, 40}, 9));
  check_every_axes_combination(ref::uniform_tensor({5, 4, 3, 17}, 10).transpose(0, 2));
  check_every_axes_combination(ref::uniform_tensor({4, 6, 300}, 11).narrow(2, 7, 260));
  check_every_axes_combination(ref::uniform_tensor({4, 6, 33}, 12).slice(1, 0, 6, 2));
  check_every_axes_combination(ref::uniform_tensor({1, 5, 24}, 13).expand({3, 5, 24}));
  check_every_axes_combination(ref::uniform_tensor({6, 4, 8}, 14));  // kept 4 x 8: a row of 32
  check_every_axes_combination(ref::uniform_tensor({5, 3, 4, 6}, 15).transpose(0, 1));
}

TEST_CASE("reductions of rank-1 and rank-0 tensors") {
  check_every_axes_combination(ref::uniform_tensor({17}, 6));
  const Tensor s = scalar(2.5f);
  CHECK(sum(s).dim() == 0);
  CHECK(sum(s).item<float>() == 2.5f);
  CHECK(mean(s).item<float>() == 2.5f);
  CHECK(max(s).item<float>() == 2.5f);
}

TEST_CASE("negative axes name the same axes as positive ones") {
  const Tensor x = ref::uniform_tensor({3, 4, 5}, 7);
  ref::check_close(sum(x, {-1, 0}), ref::reduce(x, {0, 2}, false, ref::Reduction::sum));
  ref::check_close(max(x, {-2}, true), ref::reduce(x, {1}, true, ref::Reduction::max));
  CHECK(sum(x, {-1, 0}, true).shape() == Shape{1, 4, 1});
}

TEST_CASE("column reductions of wide tensors") {
  // Reducing the leading axis of a contiguous tensor takes the column-wise path.
  for (const Shape& shape : {Shape{64, 40}, Shape{20, 5000}, Shape{300, 3, 17}}) {
    const Tensor x = ref::uniform_tensor(shape, 8);
    CAPTURE(shape_str(shape));
    ref::check_close(sum(x, {0}), ref::reduce(x, {0}, false, ref::Reduction::sum));
    ref::check_close(mean(x, {0}, true), ref::reduce(x, {0}, true, ref::Reduction::mean));
    ref::check_close(max(x, {0}), ref::reduce(x, {0}, false, ref::Reduction::max), 0.0, 0.0);
  }
}

TEST_CASE("row reductions longer than one block") {
  const Tensor x = ref::uniform_tensor({3, 10000}, 9);
  ref::check_close(sum(x, {1}), ref::reduce(x, {1}, false, ref::Reduction::sum));
  ref::check_close(sum(x), ref::reduce(x, {}, false, ref::Reduction::sum));
  ref::check_close(max(x, {1}), ref::reduce(x, {1}, false, ref::Reduction::max), 0.0, 0.0);
  const Tensor y = ref::uniform_tensor({2, 50000}, 10).transpose(0, 1);
  ref::check_close(mean(y, {0}), ref::reduce(y, {0}, false, ref::Reduction::mean));
}

TEST_CASE("max finds negative maxima and propagates NaN") {
  const Tensor neg = add(ref::uniform_tensor({40, 30}, 11), -5.0f);
  ref::check_close(max(neg), ref::reduce(neg, {}, false, ref::Reduction::max), 0.0, 0.0);
  Tensor x = ref::uniform_tensor({40, 30}, 12);
  x.at<float>({17, 3}) = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(max(x).item<float>()));
  CHECK(std::isnan(max(x, {0}).at<float>({3})));  // the column-wise path
  CHECK_FALSE(std::isnan(max(x, {0}).at<float>({4})));
  CHECK(std::isnan(max(x, {1}).at<float>({17})));  // the row-wise path
  CHECK(argmax(x, 0).at<int64_t>({3}) == 17);      // NaN counts as the maximum there too
}

TEST_CASE("argmax along every axis") {
  const Tensor x = ref::random_tensor({3, 4, 5}, 13);
  for (const Tensor& t : {x, x.permute({2, 0, 1}), x.slice(2, 0, 5, 2)}) {
    for (int64_t axis = -3; axis < 3; ++axis) {
      for (bool keepdim : {false, true}) {
        CAPTURE(axis);
        CAPTURE(keepdim);
        const Tensor got = argmax(t, axis, keepdim);
        CHECK(got.dtype() == DType::i64);
        ref::check_close(got, ref::argmax(t, axis, keepdim), 0.0, 0.0);
      }
    }
  }
}

TEST_CASE("argmax returns the first of tied maxima") {
  const Tensor x = from_vector<float>({1, 3, 3, 0, 2, 2, 2, 1}, {2, 4});
  CHECK(argmax(x, 1).to_vector<int64_t>() == std::vector<int64_t>{1, 0});
  CHECK(argmax(x, 0).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0, 1});
  CHECK(argmax(x.transpose(0, 1), 0).to_vector<int64_t>() == std::vector<int64_t>{1, 0});
  CHECK_THROWS_AS(argmax(zeros({2, 0}), 1), Error);
  CHECK_THROWS_AS(argmax(x, 2), Error);
}

TEST_CASE("sum_to reverses broadcasting") {
  const Tensor x = ref::uniform_tensor({2, 3, 4}, 14);
  auto expected = [&](const Tensor& from, const std::vector<int64_t>& axes, const Shape& shape) {
    ref::Ref out = ref::reduce(from, axes, true, ref::Reduction::sum);
    out.shape = shape;  // same values in the same order; only size-1 axes differ
    return out;
  };
  ref::check_close(sum_to(x, {3, 1}), expected(x, {0, 2}, {3, 1}));
  ref::check_close(sum_to(x, {4}), expected(x, {0, 1}, {4}));
  ref::check_close(sum_to(x, {3, 4}), expected(x, {0}, {3, 4}));
  ref::check_close(sum_to(x, {2, 1, 4}), expected(x, {1}, {2, 1, 4}));
  ref::check_close(sum_to(x, {1, 1, 1}), expected(x, {}, {1, 1, 1}));
  ref::check_close(sum_to(x, {}), expected(x, {}, {}));
  ref::check_close(sum_to(x, {2, 3, 4}), ref::values_of(x));
  const Tensor t = x.transpose(0, 2);  // [4, 3, 2]
  ref::check_close(sum_to(t, {4, 1, 1}), expected(t, {1, 2}, {4, 1, 1}));
}

TEST_CASE("sum_to rejects shapes that do not broadcast to the input") {
  const Tensor x = zeros({2, 3, 4});
  CHECK_THROWS_AS(sum_to(x, {5}), Error);
  CHECK_THROWS_AS(sum_to(x, {3, 3}), Error);
  CHECK_THROWS_AS(sum_to(x, {1, 2, 3, 4}), Error);
}

TEST_CASE("sums over empty axes are zero") {
  CHECK(sum(zeros({0})).item<float>() == 0.0f);
  CHECK(sum(zeros({3, 0}), {1}).to_vector<float>() == std::vector<float>(3, 0.0f));
  CHECK(sum(zeros({0, 4}), {0}, true).to_vector<float>() == std::vector<float>(4, 0.0f));
  CHECK(sum(zeros({0, 4}), {1}).shape() == Shape{0});
  CHECK(max(zeros({0, 4}), {1}).shape() == Shape{0});
  CHECK(mean(zeros({0, 4}), {1}).shape() == Shape{0});
}

TEST_CASE("max and mean of an empty axis throw") {
  CHECK_THROWS_AS(max(zeros({3, 0}), {1}), Error);
  CHECK_THROWS_AS(max(zeros({0})), Error);
  CHECK_THROWS_AS(mean(zeros({3, 0}), {1}), Error);
}

TEST_CASE("bad reduction axes and dtypes throw") {
  const Tensor x = zeros({2, 3});
  CHECK_THROWS_AS(sum(x, {0, 0}), Error);
  CHECK_THROWS_AS(sum(x, {1, -1}), Error);
  CHECK_THROWS_AS(sum(x, {2}), Error);
  CHECK_THROWS_AS(mean(x, {-3}), Error);
  CHECK_THROWS_AS(sum(arange(4)), Error);
  CHECK_THROWS_AS(max(Tensor()), Error);
}
