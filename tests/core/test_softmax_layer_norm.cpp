#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

void check_softmax(const Tensor& x, int64_t axis, const Tensor& mask = {}) {
  CAPTURE(axis);
  CAPTURE(shape_str(x.shape()));
  CAPTURE(shape_str(x.strides()));
  ref::check_close(softmax(x, axis, mask), ref::softmax(x, axis, mask, false));
  ref::check_close(log_softmax(x, axis, mask), ref::softmax(x, axis, mask, true), 1e-5, 1e-5);
}

void check_layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta) {
  CAPTURE(shape_str(x.shape()));
  CAPTURE(shape_str(x.strides()));
  const LayerNormOutput got = layer_norm(x, gamma, beta, 1e-5f);
  const ref::LayerNormRef want = ref::layer_norm(x, gamma, beta, 1e-5);
  ref::check_close(got.y, want.y, 1e-4, 1e-5);
  ref::check_close(got.mean, want.mean, 1e-5, 1e-6);
  ref::check_close(got.rstd, want.rstd, 1e-4, 1e-6);
}

bool any_nan(const Tensor& t) {
  for (float v : t.to_vector<float>())
    if (std::isnan(v)) return true;
  return false;
}

// An additive causal mask: 0 on and below the diagonal, -inf above.
Tensor causal_mask(int64_t n) {
  Tensor mask = zeros({n, n});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) mask.at<float>({i, j}) = -kInf;
  return mask;
}

}  // namespace

TEST_CASE("softmax and log_softmax along every axis") {
  const Tensor x = ref::random_tensor({3, 4, 5}, 1);
  for (int64_t axis = -3; axis < 3; ++axis) check_softmax(x, axis);
  check_softmax(ref::random_tensor({7}, 2), 0);
}

TEST_CASE("softmax_backward equals y * (g - sum(g * y)) along the axis") {
  auto check = [](const Tensor& x, const Tensor& g, int64_t axis) {
    CAPTURE(axis);
    CAPTURE(shape_str(x.strides()));
    const Tensor y = softmax(x, axis);
    ref::check_close(softmax_backward(y, g, axis), ref::softmax_backward(y, g, axis), 1e-5, 1e-6);
  };
  const Tensor x = ref::random_tensor({3, 5, 37}, 30), g = ref::random_tensor({3, 5, 37}, 31);
  for (int64_t axis : {0, 1, 2}) check(x, g, axis);
  check(x.transpose(0, 2), g.transpose(0, 2), 0);  // strided rows
  check(x.transpose(0, 2), g.transpose(0, 2).contiguous(), 2);
}

TEST_CASE("softmax rows sum to one") {
  const Tensor p = softmax(ref::random_tensor({6, 9}, 3), 0);
  const std::vector<float> totals = sum(p, {0}).to_vector<float>();
  for (float total : totals) CHECK(total == doctest::Approx(1.0f).epsilon(1e-6).scale(0));
}

TEST_CASE("softmax of transposed sliced and expanded inputs") {
  const Tensor base = ref::random_tensor({4, 6, 8}, 4);
  for (const Tensor& x : {base.transpose(0, 2), base.slice(2, 1, 8, 3), base.permute({1, 2, 0}),
                          base.select(1, 2).unsqueeze(1).expand({4, 5, 8})}) {
    for (int64_t axis = 0; axis < 3; ++axis) check_softmax(x, axis);
  }
}

TEST_CASE("softmax over a short axis with very many rows") {
  // Along axis 0 the 70000 rows form one long run of the row loop.
  check_softmax(ref::random_tensor({3, 70000}, 26), 0);
}

TEST_CASE("softmax does not overflow on large logits") {
  const Tensor x = from_vector<float>({1000, 1001, 1002, -1000, 0, 1000}, {2, 3});
  CHECK_FALSE(any_nan(softmax(x, 1)));
  check_softmax(x, 1);
  check_softmax(x, 0);
}

TEST_CASE("softmax: NaN in a row gives NaN, unless a boolean mask leaves it out") {
  const Tensor nan_rows = from_vector<float>({NAN, NAN, NAN, 5}, {2, 2});
  for (const Tensor& y : {softmax(nan_rows, 1), log_softmax(nan_rows, 1)})
    for (float v : y.to_vector<float>()) CHECK(std::isnan(v));
  // Unmasked NaN beside a masked entry; then the NaN masked out.
  const Tensor x = from_vector<float>({NAN, 5});
  CHECK(std::isnan(softmax(x, 0, from_vector<uint8_t>({0, 1})).to_vector<float>()[0]));
  CHECK(softmax(x, 0, from_vector<uint8_t>({1, 0})).to_vector<float>() == std::vector<float>{0, 1});
  CHECK(softmax(x, 0, from_vector<uint8_t>({1, 1})).to_vector<float>() == std::vector<float>{0, 0});
}

TEST_CASE("softmax with an additive f32 causal mask") {
  const Tensor x = ref::random_tensor({2, 5, 5}, 5);
  const Tensor mask = causal_mask(5);
  check_softmax(x, -1, mask);
  const Tensor p = softmax(x, -1, mask);
  CHECK(p.at<float>({1, 0, 1}) == 0.0f);
  CHECK(p.at<float>({1, 0, 0}) == 1.0f);
  CHECK(log_softmax(x, -1, mask).at<float>({0, 2, 4}) == -kInf);
}

TEST_CASE("softmax with a finite additive mask along a leading axis") {
  const Tensor x = ref::random_tensor({4, 3}, 6);
  const Tensor bias = from_vector<float>({0.5f, -1.5f, 2.0f, 0.0f}, {4, 1});
  check_softmax(x, 0, bias);
  check_softmax(x, 0, bias.transpose(0, 1).expand({3, 4}).transpose(0, 1));
  check_softmax(x, 1, scalar(3.0f));
}

TEST_CASE("softmax with a b8 padding mask") {
  const Tensor x = ref::random_tensor({2, 3, 5}, 7);
  // Per batch element: the last 1 and 2 positions are padding (1 = masked out).
  const Tensor mask = from_vector<uint8_t>({0, 0, 0, 0, 1, 0, 0, 0, 1, 1}, {2, 1, 5});
  check_softmax(x, -1, mask);
  const Tensor p = softmax(x, -1, mask);
  CHECK(p.at<float>({0, 2, 4}) == 0.0f);
  CHECK(p.at<float>({1, 1, 3}) == 0.0f);
  CHECK(p.at<float>({1, 1, 2}) > 0.0f);
  // The same mask read through a transposed view, along axis 1.
  check_softmax(x.transpose(1, 2), 1, mask.transpose(1, 2));
}

TEST_CASE("fully masked rows give zeros and minus infinity but never NaN") {
  const Tensor x = ref::random_tensor({3, 4}, 8);
  const Tensor b8 = from_vector<uint8_t>({0, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}, {3, 4});
  Tensor additive = zeros({3, 4});
  fill_inplace(additive.select(0, 2), -kInf);
  for (const Tensor& mask : {b8, additive}) {
    const Tensor p = softmax(x, 1, mask), lp = log_softmax(x, 1, mask);
    CHECK_FALSE(any_nan(p));
    CHECK_FALSE(any_nan(lp));
    check_softmax(x, 1, mask);
  }
  CHECK(softmax(x, 1, b8).select(0, 1).to_vector<float>() == std::vector<float>(4, 0.0f));
  CHECK(log_softmax(x, 1, b8).select(0, 1).to_vector<float>() == std::vector<float>(4, -kInf));
  CHECK(softmax(x, 1, additive).select(0, 2).to_vector<float>() == std::vector<float>(4, 0.0f));
  CHECK(log_softmax(x, 1, additive).select(0, 2).to_vector<float>() ==
        std::vector<float>(4, -kInf));
  // Logits that are all -inf are a fully masked row without any mask.
  CHECK(softmax(full({2, 2}, -kInf), 1).to_vector<float>() == std::vector<float>(4, 0.0f));
}

TEST_CASE("softmax rejects bad masks and axes") {
  const Tensor x = zeros({2, 4});
  CHECK_THROWS_AS(softmax(x, 1, zeros({3})), Error);
  CHECK_THROWS_AS(softmax(x, 1, zeros({2, 2, 4})), Error);  // would grow the logits
  CHECK_THROWS_AS(softmax(x, 1, zeros({2, 4}, DType::i64)), Error);
  CHECK_THROWS_AS(log_softmax(x, 2), Error);
  CHECK_THROWS_AS(softmax(arange(4), 0), Error);
}

TEST_CASE("layer_norm matches a naive implementation with gamma and beta") {
  const Tensor x = add(mul(ref::random_tensor({4, 7}, 9), 3.0f), 1.0f);
  check_layer_norm(x, ref::random_tensor({7}, 10), ref::random_tensor({7}, 11));
  check_layer_norm(ref::random_tensor({2, 3, 16}, 12), ref::random_tensor({16}, 13),
                   ref::random_tensor({16}, 14));
}

TEST_CASE("layer_norm without gamma or beta") {
  const Tensor x = ref::random_tensor({5, 6}, 15);
  check_layer_norm(x, {}, {});
  check_layer_norm(x, ref::random_tensor({6}, 16), {});
  check_layer_norm(x, {}, ref::random_tensor({6}, 17));
  const Tensor y = layer_norm(x, {}, {}, 1e-5f).y;
  for (float row_mean : mean(y, {1}).to_vector<float>()) CHECK(std::abs(row_mean) < 1e-5f);
  for (float row_var : mean(mul(y, y), {1}).to_vector<float>())
    CHECK(row_var == doctest::Approx(1.0f).epsilon(1e-3).scale(0));
}

TEST_CASE("layer_norm of non-contiguous inputs and parameters") {
  const Tensor base = ref::random_tensor({6, 10}, 18);
  const Tensor gamma = ref::random_tensor({12}, 19).slice(0, 0, 12, 2);  // stride 2
  check_layer_norm(base.transpose(0, 1), gamma, ref::random_tensor({6}, 20));
  check_layer_norm(base.slice(1, 0, 10, 2).narrow(1, 0, 5), {}, ref::random_tensor({5}, 21));
  check_layer_norm(ref::random_tensor({1, 8}, 22).expand({3, 8}), {}, {});
  check_layer_norm(ref::random_tensor({8}, 23), gamma.narrow(0, 0, 1).expand({8}), {});
}

TEST_CASE("layer_norm statistics have the input shape without its last axis") {
  const LayerNormOutput rank1 = layer_norm(ref::random_tensor({9}, 24), {}, {}, 1e-5f);
  CHECK(rank1.mean.dim() == 0);
  CHECK(rank1.rstd.dim() == 0);
  const LayerNormOutput rank3 = layer_norm(ref::random_tensor({2, 3, 4}, 25), {}, {}, 1e-5f);
  CHECK(rank3.mean.shape() == Shape{2, 3});
  CHECK(rank3.rstd.shape() == Shape{2, 3});
  // A constant row has variance 0: rstd is 1 / sqrt(eps) and the output is 0, not NaN.
  const LayerNormOutput constant = layer_norm(full({2, 4}, 3.0f), {}, {}, 1e-4f);
  CHECK(constant.rstd.at<float>({0}) == doctest::Approx(100.0f).epsilon(1e-6).scale(0));
  CHECK(constant.y.to_vector<float>() == std::vector<float>(8, 0.0f));
}

TEST_CASE("layer_norm rejects bad shapes and dtypes") {
  const Tensor x = zeros({3, 4});
  CHECK_THROWS_WITH_AS(layer_norm(x, zeros({3}), {}, 1e-5f), doctest::Contains("gamma"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {}, zeros({4, 1}), 1e-5f), doctest::Contains("beta"), Error);
  CHECK_THROWS_AS(layer_norm(x, zeros({4}, DType::i64), {}, 1e-5f), Error);
  CHECK_THROWS_AS(layer_norm(scalar(1.0f), {}, {}, 1e-5f), Error);
  CHECK_THROWS_AS(layer_norm(zeros({3, 0}), {}, {}, 1e-5f), Error);
  CHECK_THROWS_AS(layer_norm(arange(4), {}, {}, 1e-5f), Error);
  // A negative or NaN eps made NaN rows silently.
  CHECK_THROWS_WITH_AS(layer_norm(x, {}, {}, -1.0f), "layer_norm: eps -1 must be finite and > 0",
                       Error);
  CHECK_THROWS_AS(layer_norm(x, {}, {}, std::nanf("")), Error);
}

TEST_CASE("the layer norm backwards refuse statistics of another shape") {
  Generator gen(1);
  const Tensor x = randn({64, 8}, gen), gamma = randn({8}, gen);
  const LayerNormOutput small = layer_norm(randn({2, 8}, gen), gamma, {}, 1e-5f);
  CHECK_THROWS_WITH_AS(layer_norm_backward(x, x, gamma, small.mean, small.rstd),
                       "layer_norm_backward: mean and rstd must be f32 with one value per row of "
                       "input [64, 8] (64 rows), got f32 [2]",
                       Error);
  const LayerNormOutput right = layer_norm(x, gamma, {}, 1e-5f);
  CHECK_THROWS_WITH_AS(add_layer_norm_backward(x, x, x, gamma, right.mean, small.rstd, nullptr),
                       doctest::Contains("add_layer_norm_backward: mean and rstd"), Error);
  CHECK_NOTHROW(add_layer_norm_backward(x, x, x, gamma, right.mean, right.rstd, nullptr));
}
