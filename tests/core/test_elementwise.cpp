#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

// The expected result of a unary op, element by element through a double-precision function.
ref::Ref unary_ref(const Tensor& x, const std::function<double(double)>& f) {
  ref::Ref out = ref::values_of(x);
  for (double& v : out.values) v = f(v);
  return out;
}

// Double-precision references for the binary kernels.
const auto plus = [](double a, double b) { return a + b; };
const auto minus = [](double a, double b) { return a - b; };
const auto times = [](double a, double b) { return a * b; };
const auto divide = [](double a, double b) { return a / b; };
const auto power = [](double a, double b) { return std::pow(a, b); };
const auto larger = [](double a, double b) { return std::max(a, b); };
const auto smaller = [](double a, double b) { return std::min(a, b); };
const auto exact_gelu = [](double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); };

}  // namespace

TEST_CASE("unary kernels match the standard library") {
  const Tensor x = ref::random_tensor({5, 7}, 1);
  const Tensor pos = add(abs(x), 0.1f);
  ref::check_close(neg(x), unary_ref(x, [](double v) { return -v; }));
  ref::check_close(-x, unary_ref(x, [](double v) { return -v; }));
  ref::check_close(exp(x), unary_ref(x, [](double v) { return std::exp(v); }));
  ref::check_close(log(pos), unary_ref(pos, [](double v) { return std::log(v); }));
  ref::check_close(sqrt(pos), unary_ref(pos, [](double v) { return std::sqrt(v); }));
  ref::check_close(tanh(x), unary_ref(x, [](double v) { return std::tanh(v); }));
  ref::check_close(abs(x), unary_ref(x, [](double v) { return std::abs(v); }));
  ref::check_close(relu(x), unary_ref(x, [](double v) { return v > 0 ? v : 0.0; }));
  ref::check_close(sigmoid(x), unary_ref(x, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }));
  ref::check_close(gelu(x), unary_ref(x, exact_gelu));
}

TEST_CASE("unary kernels read transposed sliced and expanded views") {
  const Tensor base = ref::random_tensor({6, 8}, 2);
  for (const Tensor& x :
       {base.transpose(0, 1), base.slice(1, 1, 8, 3), base.slice(0, 0, 6, 2).transpose(0, 1),
        base.select(1, 2).unsqueeze(1).expand({6, 4})}) {
    CAPTURE(shape_str(x.strides()));
    ref::check_close(exp(x), unary_ref(x, [](double v) { return std::exp(v); }));
    ref::check_close(x * 3.0f, unary_ref(x, [](double v) { return 3.0 * v; }));
  }
}

TEST_CASE("binary kernels match naive loops on equal shapes") {
  const Tensor a = ref::random_tensor({4, 9}, 3), b = ref::random_tensor({4, 9}, 4);
  const Tensor pos = add(abs(a), 0.5f);
  ref::check_close(a + b, ref::binary(a, b, plus));
  ref::check_close(a - b, ref::binary(a, b, minus));
  ref::check_close(a * b, ref::binary(a, b, times));
  ref::check_close(a / pos, ref::binary(a, pos, divide));
  ref::check_close(pow(pos, b), ref::binary(pos, b, power));
  ref::check_close(maximum(a, b), ref::binary(a, b, larger));
  ref::check_close(minimum(a, b), ref::binary(a, b, smaller));
}

TEST_CASE("scalar overloads") {
  const Tensor a = ref::random_tensor({3, 5}, 5);
  ref::check_close(a + 1.5f, unary_ref(a, [](double v) { return v + 1.5; }));
  ref::check_close(1.5f + a, unary_ref(a, [](double v) { return v + 1.5; }));
  ref::check_close(a - 1.5f, unary_ref(a, [](double v) { return v - 1.5; }));
  ref::check_close(2.0f * a, unary_ref(a, [](double v) { return 2.0 * v; }));
  ref::check_close(a / 4.0f, unary_ref(a, [](double v) { return v / 4.0; }));
  ref::check_close(pow(a, 2.0f), unary_ref(a, [](double v) { return v * v; }));
  ref::check_close(pow(a, 3.0f), unary_ref(a, [](double v) { return v * v * v; }));
}

TEST_CASE("broadcasting across a rank mismatch") {
  const Tensor a = ref::random_tensor({2, 3, 4}, 6), b = ref::random_tensor({4}, 7);
  CHECK((a + b).shape() == Shape{2, 3, 4});
  ref::check_close(a + b, ref::binary(a, b, plus));
  ref::check_close(b * a, ref::binary(b, a, times));
}

TEST_CASE("broadcasting size-1 axes on either side") {
  const Tensor col = ref::random_tensor({3, 1}, 8), row = ref::random_tensor({1, 4}, 9);
  CHECK((col + row).shape() == Shape{3, 4});
  ref::check_close(col + row, ref::binary(col, row, plus));
  ref::check_close(row - col, ref::binary(row, col, minus));
  const Tensor a = ref::random_tensor({2, 1, 4}, 10), b = ref::random_tensor({3, 1}, 11);
  CHECK((a * b).shape() == Shape{2, 3, 4});
  ref::check_close(a * b, ref::binary(a, b, times));
}

TEST_CASE("broadcasting rank-0 scalars") {
  const Tensor s = scalar(2.5f), x = ref::random_tensor({2, 3}, 12);
  CHECK((s * x).shape() == Shape{2, 3});
  ref::check_close(s * x, ref::binary(s, x, times));
  ref::check_close(x - s, ref::binary(x, s, minus));
  Tensor both = scalar(2.0f) + scalar(3.0f);
  CHECK(both.dim() == 0);
  CHECK(both.item<float>() == 5.0f);
}

TEST_CASE("broadcasting zero-size dimensions") {
  CHECK((zeros({0, 3}) + ones({3})).shape() == Shape{0, 3});
  CHECK((zeros({2, 0}) * ones({2, 1})).shape() == Shape{2, 0});
  CHECK((zeros({1, 0}) - ones({3, 1})).shape() == Shape{3, 0});
  CHECK((zeros({0}) + scalar(1.0f)).numel() == 0);
  CHECK_THROWS_AS(zeros({0, 3}) + ones({2, 3}), Error);
}

TEST_CASE("incompatible shapes throw naming the op and both shapes") {
  CHECK_THROWS_WITH_AS(add(zeros({2, 3}), zeros({4})),
                       "add: shapes [2, 3] and [4] cannot be broadcast together", Error);
  CHECK_THROWS_AS(mul(zeros({2, 3}), zeros({3, 2})), Error);
  CHECK_THROWS_AS(sub(zeros({5, 2, 3}), zeros({4, 1, 3})), Error);
  CHECK_THROWS_AS(eq(zeros({2}), zeros({3})), Error);
}

TEST_CASE("binary kernels read transposed sliced and expanded inputs") {
  const Tensor base = ref::random_tensor({6, 10}, 13);
  const Tensor t = base.narrow(1, 0, 6).transpose(0, 1);             // [6, 6] transposed
  const Tensor stepped = base.slice(1, 1, 10, 3).slice(0, 0, 6, 2);  // [3, 3]
  const Tensor expanded = base.select(0, 4).narrow(0, 0, 3).expand({3, 3});
  const Tensor other = ref::random_tensor({6, 6}, 14);
  ref::check_close(t + other, ref::binary(t, other, plus));
  ref::check_close(other * t, ref::binary(other, t, times));
  ref::check_close(stepped * expanded, ref::binary(stepped, expanded, times));
  ref::check_close(expanded - stepped.transpose(0, 1),
                   ref::binary(expanded, stepped.transpose(0, 1), minus));
  // A strided view broadcast against a column and a rank-0 scalar.
  const Tensor col = base.slice(1, 0, 10, 5).narrow(1, 0, 1).narrow(0, 0, 3);  // [3, 1]
  ref::check_close(stepped + col, ref::binary(stepped, col, plus));
  ref::check_close(maximum(stepped, scalar(0.0f)), ref::binary(stepped, scalar(0.0f), larger));
}

TEST_CASE("large strided inputs take the parallel path correctly") {
  const Tensor a = ref::random_tensor({300, 400}, 15).transpose(0, 1);  // [400, 300]
  const Tensor b = ref::random_tensor({300}, 16);
  const Tensor c = ref::random_tensor({400, 1}, 17);
  ref::Ref expected = ref::binary(a, b, times);
  for (size_t i = 0; i < expected.values.size(); ++i)
    expected.values[i] += c.at<float>({static_cast<int64_t>(i / 300), 0});
  ref::check_close(a * b + c, expected);
}

TEST_CASE("long contiguous runs are split correctly") {
  // 200k contiguous elements coalesce into a single run far longer than the parallel grain.
  const Tensor a = ref::random_tensor({200000}, 20), b = ref::random_tensor({200000}, 21);
  ref::check_close(a * b, ref::binary(a, b, times));
  ref::check_close(a - scalar(0.5f), ref::binary(a, scalar(0.5f), minus));
  ref::check_close(gelu(a).view({400, 500}).select(1, 7),
                   unary_ref(a.view({400, 500}).select(1, 7), exact_gelu));
  Tensor dst = zeros({200000});
  add_inplace(dst, a, 2.0f);
  ref::check_close(dst, ref::binary(a, scalar(2.0f), times));
}

TEST_CASE("comparisons give b8 tensors and broadcast") {
  const Tensor a = from_vector<float>({1, 2, 3, 4}, {2, 2});
  const Tensor b = from_vector<float>({2, 2}, {1, 2});
  const Tensor greater = gt(a, b);
  CHECK(greater.dtype() == DType::b8);
  CHECK(greater.to_vector<uint8_t>() == std::vector<uint8_t>{0, 0, 1, 1});
  CHECK(lt(a, b).to_vector<uint8_t>() == std::vector<uint8_t>{1, 0, 0, 0});
  CHECK(eq(a, b).to_vector<uint8_t>() == std::vector<uint8_t>{0, 1, 0, 0});
  CHECK(eq(a.transpose(0, 1), a).to_vector<uint8_t>() == std::vector<uint8_t>{1, 0, 0, 1});
  CHECK(lt(a, scalar(2.5f)).to_vector<uint8_t>() == std::vector<uint8_t>{1, 1, 0, 0});
}

TEST_CASE("non-f32 inputs throw") {
  const Tensor i = arange(4), f = zeros({4});
  CHECK_THROWS_AS(exp(i), Error);
  CHECK_THROWS_AS(add(f, i), Error);
  CHECK_THROWS_AS(add(i, f), Error);
  CHECK_THROWS_AS(gt(ones({4}, DType::b8), f), Error);
  CHECK_THROWS_AS(add(Tensor(), f), Error);
  CHECK_THROWS_WITH_AS(relu(i), doctest::Contains("i64"), Error);
}

TEST_CASE("add_inplace broadcasts into a strided destination") {
  Tensor x = zeros({4, 6});
  Tensor dst = x.slice(1, 1, 6, 2);  // columns 1, 3, 5
  add_inplace(dst, from_vector<float>({1, 2, 3}), 2.0f);
  add_inplace(dst, scalar(0.5f));
  for (int64_t r = 0; r < 4; ++r) {
    CHECK(x.at<float>({r, 0}) == 0.0f);
    CHECK(x.at<float>({r, 1}) == 2.5f);
    CHECK(x.at<float>({r, 3}) == 4.5f);
    CHECK(x.at<float>({r, 5}) == 6.5f);
  }
  CHECK_THROWS_AS(add_inplace(dst, zeros({4, 1, 3})), Error);  // would grow the destination
  CHECK_THROWS_AS(add_inplace(dst, zeros({2})), Error);
}

TEST_CASE("add_inplace reads a transposed source") {
  Tensor dst = ref::random_tensor({5, 3}, 18);
  const ref::Ref before = ref::values_of(dst);
  const Tensor src = ref::random_tensor({3, 5}, 19).transpose(0, 1);
  add_inplace(dst, src, -1.0f);
  ref::Ref expected = before;
  ref::for_each_index(dst.shape(), [&](const ref::Index& i) {
    expected.values[ref::flat_index(dst.shape(), i)] -= src.at<float>(i);
  });
  ref::check_close(dst, expected);
}

TEST_CASE("mul_inplace and fill_inplace touch only the view") {
  Tensor x = ones({3, 4});
  mul_inplace(x.select(1, 2), 3.0f);
  fill_inplace(x.transpose(0, 1).select(1, 0), -1.0f);  // row 0
  CHECK(x.to_vector<float>() == std::vector<float>{-1, -1, -1, -1, 1, 1, 3, 1, 1, 1, 3, 1});
  CHECK_THROWS_AS(fill_inplace(arange(3), 0.0f), Error);
}

TEST_CASE("relu, maximum and minimum keep NaN, whichever argument holds it") {
  const Tensor nan = from_vector<float>({NAN, NAN}), one = from_vector<float>({1, -1});
  for (const Tensor& y :
       {relu(nan), maximum(nan, one), maximum(one, nan), minimum(nan, one), minimum(one, nan)})
    for (float v : y.to_vector<float>()) CHECK(std::isnan(v));
  CHECK(relu(from_vector<float>({-2, 0, 3})).to_vector<float>() == std::vector<float>{0, 0, 3});
}
