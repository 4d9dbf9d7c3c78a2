#include <doctest/doctest.h>

#include <cmath>

#include "reference.h"
#include "synthgrad/core/core.h"

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

TEST_CASE("view keeps row-major order and shares storage") {
  Tensor x = ref::iota({2, 6});
  Tensor v = x.view({3, 4});
  CHECK(v.shares_storage_with(x));
  CHECK(v.shape() == Shape{3, 4});
  CHECK(v.strides() == Shape{4, 1});
  CHECK(v.at<float>({2, 1}) == 9.0f);
  v.at<float>({0, 0}) = 42.0f;  // writes land in the shared storage
  CHECK(x.at<float>({0, 0}) == 42.0f);
}

TEST_CASE("view infers a single -1 dimension") {
  Tensor x = ref::iota({24});
  CHECK(x.view({2, -1, 4}).shape() == Shape{2, 3, 4});
  CHECK(x.view({-1}).shape() == Shape{24});
  CHECK(x.view({-1, 1}).shape() == Shape{24, 1});
  CHECK(x.reshape({4, -1}).shape() == Shape{4, 6});
  CHECK_THROWS_AS(x.view({-1, -1}), Error);
  CHECK_THROWS_AS(x.view({5, -1}), Error);
  CHECK_THROWS_AS(x.view({0, -1}), Error);
  CHECK_THROWS_AS(x.view({5, 5}), Error);
  CHECK_THROWS_AS(x.view({-2, -12}), Error);
}

TEST_CASE("view of a transposed tensor throws and points to reshape") {
  Tensor t = ref::iota({3, 4}).transpose(0, 1);
  CHECK_THROWS_WITH_AS(t.view({12}), doctest::Contains("reshape"), Error);
}

TEST_CASE("reshape copies only when the layout requires it") {
  Tensor x = ref::iota({3, 4});
  CHECK(x.reshape({2, 6}).shares_storage_with(x));
  Tensor r = x.transpose(0, 1).reshape({-1});
  CHECK_FALSE(r.shares_storage_with(x));
  CHECK(r.to_vector<float>() == std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
}

TEST_CASE("view splits and merges axes of non-contiguous layouts when strides allow") {
  Tensor narrowed = ref::iota({4, 6}).narrow(1, 0, 3);  // strides [6, 1]
  Tensor split = narrowed.view({2, 2, 3});
  CHECK(split.strides() == Shape{12, 6, 1});
  // Columns 0-2 of iota [4, 6], row after row.
  ref::check_close(split, ref::Ref{{2, 2, 3}, {0, 1, 2, 6, 7, 8, 12, 13, 14, 18, 19, 20}});
  CHECK_THROWS_AS(narrowed.view({12}), Error);

  Tensor transposed = ref::iota({4, 6}).transpose(0, 1);  // [6, 4], strides [1, 6]
  Tensor t = transposed.view({6, 2, 2});
  CHECK(t.strides() == Shape{1, 12, 6});
  // transposed[i][j] = 6 j + i; the view keeps that row-major order.
  ref::check_close(t, ref::Ref{{6, 2, 2}, {0, 6, 12, 18, 1, 7,  13, 19, 2, 8,  14, 20,
                                           3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23}});
}

TEST_CASE("view of an expanded tensor keeps the zero stride") {
  Tensor e = ref::iota({1, 4}).expand({3, 4});
  Tensor v = e.view({3, 2, 2});
  CHECK(v.strides() == Shape{0, 2, 1});
  CHECK(v.at<float>({2, 1, 0}) == 2.0f);
  CHECK_THROWS_AS(e.view({12}), Error);
  CHECK(e.reshape({12}).to_vector<float>() ==
        std::vector<float>{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3});
}

TEST_CASE("rank-0 tensors view as any all-ones shape and back") {
  Tensor s = scalar(5.0f);
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.is_contiguous());
  Tensor v = s.view({1, 1});
  CHECK(v.shape() == Shape{1, 1});
  CHECK(v.view({}).item<float>() == 5.0f);
  CHECK(ref::iota({1}).view({}).dim() == 0);
}

TEST_CASE("zero-size tensors view and reshape") {
  Tensor z = Tensor::empty({0, 3});
  CHECK(z.numel() == 0);
  CHECK(z.view({3, 0}).shape() == Shape{3, 0});
  CHECK(z.reshape({-1}).shape() == Shape{0});
  CHECK(z.transpose(0, 1).contiguous().shape() == Shape{3, 0});
  CHECK(z.to_vector<float>().empty());
}

TEST_CASE("permute reorders shape and strides") {
  Tensor x = ref::iota({2, 3, 4});
  Tensor p = x.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK(p.at<float>({3, 1, 2}) == x.at<float>({1, 2, 3}));
  CHECK(x.permute({-1, 0, 1}).shape() == Shape{4, 2, 3});
  CHECK_THROWS_AS(x.permute({0, 0, 1}), Error);
  CHECK_THROWS_AS(x.permute({0, 1}), Error);
  CHECK_THROWS_AS(x.permute({0, 1, 3}), Error);
}

TEST_CASE("narrow offsets into the same storage") {
  Tensor x = ref::iota({4, 5});
  Tensor n = x.narrow(1, 1, 3);
  CHECK(n.shape() == Shape{4, 3});
  CHECK(n.offset() == 1);
  CHECK(n.shares_storage_with(x));
  CHECK(n.contiguous().to_vector<float>() ==
        std::vector<float>{1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18});
  CHECK(x.narrow(0, 4, 0).shape() == Shape{0, 5});
  CHECK_THROWS_AS(x.narrow(1, 3, 3), Error);
  CHECK_THROWS_AS(x.narrow(0, -1, 2), Error);
  CHECK_THROWS_AS(x.narrow(2, 0, 1), Error);
}

TEST_CASE("slice with a step takes every step-th element") {
  Tensor x = ref::iota({10});
  CHECK(x.slice(0, 1, 10, 3).to_vector<float>() == std::vector<float>{1, 4, 7});
  CHECK(x.slice(0, 0, 10, 4).to_vector<float>() == std::vector<float>{0, 4, 8});
  CHECK(x.slice(0, 0, 10, 20).to_vector<float>() == std::vector<float>{0});
  // One element left: a step of INT64_MAX times a stride of 3 overflowed the new stride.
  const Tensor rows = ref::iota({2, 3}).slice(0, 0, 2, std::numeric_limits<int64_t>::max());
  CHECK(rows.shape() == Shape{1, 3});
  CHECK(rows.to_vector<float>() == std::vector<float>{0, 1, 2});
  CHECK(x.slice(0, 2, 2).numel() == 0);
  CHECK(x.slice(0, 1, 10, 3).strides() == Shape{3});
  CHECK_THROWS_AS(x.slice(0, 0, 10, 0), Error);
  CHECK_THROWS_AS(x.slice(0, 0, 11), Error);
  CHECK_THROWS_AS(x.slice(0, 5, 4), Error);
}

TEST_CASE("slice with a step of a transposed view picks columns") {
  Tensor x = ref::iota({4, 6});
  Tensor s = x.transpose(0, 1).slice(0, 1, 6, 2);  // columns 1, 3, 5 of x, as rows
  CHECK(s.shape() == Shape{3, 4});
  ref::for_each_index(s.shape(), [&](const ref::Index& i) {
    CHECK(s.at<float>(i) == x.at<float>({i[1], 1 + 2 * i[0]}));
  });
}

TEST_CASE("select drops an axis and accepts negative indices") {
  Tensor x = ref::iota({3, 4});
  CHECK(x.select(0, 1).to_vector<float>() == std::vector<float>{4, 5, 6, 7});
  CHECK(x.select(1, -1).to_vector<float>() == std::vector<float>{3, 7, 11});
  CHECK(x.select(-1, 0).shape() == Shape{3});
  CHECK(x.select(0, 2).select(0, 3).item<float>() == 11.0f);
  CHECK_THROWS_AS(x.select(0, 3), Error);
  CHECK_THROWS_AS(x.select(0, -4), Error);
  CHECK_THROWS_AS(x.select(2, 0), Error);
}

TEST_CASE("unsqueeze inserts a size-1 axis anywhere") {
  Tensor x = ref::iota({2, 3});
  CHECK(x.unsqueeze(0).shape() == Shape{1, 2, 3});
  CHECK(x.unsqueeze(1).shape() == Shape{2, 1, 3});
  CHECK(x.unsqueeze(2).shape() == Shape{2, 3, 1});
  CHECK(x.unsqueeze(-1).shape() == Shape{2, 3, 1});
  CHECK(x.unsqueeze(1).is_contiguous());
  CHECK(x.unsqueeze(1).at<float>({1, 0, 2}) == 5.0f);
  CHECK_THROWS_AS(x.unsqueeze(3), Error);
  CHECK_THROWS_AS(x.unsqueeze(-4), Error);
}

TEST_CASE("squeeze removes size-1 axes") {
  Tensor x = ref::iota({1, 3, 1, 2});
  CHECK(x.squeeze().shape() == Shape{3, 2});
  CHECK(x.squeeze(0).shape() == Shape{3, 1, 2});
  CHECK(x.squeeze(-2).shape() == Shape{1, 3, 2});
  CHECK(x.squeeze().to_vector<float>() == x.to_vector<float>());
  CHECK(ref::iota({1, 1}).squeeze().dim() == 0);
  CHECK_THROWS_AS(x.squeeze(1), Error);
}

TEST_CASE("expand broadcasts with stride 0 and may add leading axes") {
  Tensor x = ref::iota({3, 1});
  Tensor e = x.expand({2, 3, 4});
  CHECK(e.shape() == Shape{2, 3, 4});
  CHECK(e.strides() == Shape{0, 1, 0});
  CHECK(e.shares_storage_with(x));
  CHECK(e.at<float>({1, 2, 3}) == 2.0f);
  x.at<float>({2, 0}) = 7.0f;  // every broadcast copy sees the write
  CHECK(e.at<float>({0, 2, 1}) == 7.0f);
  CHECK(ref::iota({1, 3}).expand({0, 3}).numel() == 0);
  CHECK_THROWS_AS(x.expand({4, 1}), Error);
  CHECK_THROWS_AS(x.expand({3}), Error);
}

TEST_CASE("views of views compose") {
  Tensor base = ref::iota({4, 5, 6});  // base[a, b, c] = 30a + 6b + c
  Tensor v = base.permute({2, 0, 1})   // [c, a, b]
                 .slice(0, 1, 6, 2)    // c = 1 + 2i
                 .select(2, 3)         // b = 3
                 .transpose(0, 1)      // [a, i]
                 .unsqueeze(1)         // [a, 1, i]
                 .narrow(0, 1, 2);     // a = 1 + r
  REQUIRE(v.shape() == Shape{2, 1, 3});
  CHECK(v.shares_storage_with(base));
  ref::for_each_index(v.shape(), [&](const ref::Index& i) {
    CHECK(v.at<float>(i) == static_cast<float>(30 * (1 + i[0]) + 6 * 3 + 1 + 2 * i[2]));
  });
  Tensor e = v.expand({5, 2, 4, 3});
  CHECK(e.at<float>({4, 1, 3, 2}) == v.at<float>({1, 0, 2}));
  CHECK(e.contiguous().view({-1}).numel() == 120);
}

TEST_CASE("contiguous and clone") {
  Tensor x = ref::iota({2, 3});
  CHECK(x.contiguous().shares_storage_with(x));
  CHECK_FALSE(x.clone().shares_storage_with(x));
  Tensor t = x.transpose(0, 1).contiguous();
  CHECK(t.is_contiguous());
  CHECK_FALSE(t.shares_storage_with(x));
  CHECK(t.to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("is_contiguous ignores the strides of size-1 axes only") {
  CHECK(ref::iota({4, 3}).narrow(0, 1, 1).is_contiguous());
  CHECK_FALSE(ref::iota({3, 4}).narrow(1, 0, 1).is_contiguous());
  CHECK(ref::iota({3}).unsqueeze(0).unsqueeze(2).is_contiguous());
  CHECK_FALSE(ref::iota({1, 3}).expand({2, 3}).is_contiguous());
}

TEST_CASE("at writes through a strided view") {
  Tensor x = zeros({3, 4});
  Tensor v = x.transpose(0, 1).slice(0, 1, 4, 2);  // x[:, 1::2] as [2, 3]
  v.at<float>({1, 2}) = 5.0f;
  CHECK(x.at<float>({2, 3}) == 5.0f);
  CHECK_THROWS_AS(v.at<float>({2, 0}), Error);
  CHECK_THROWS_AS(v.at<float>({0}), Error);
}

TEST_CASE("copy_into broadcasts into a strided destination") {
  Tensor x = zeros({3, 4});
  copy_into(x.slice(1, 0, 4, 2), from_vector<float>({1, 2, 3}, {3, 1}));
  CHECK(x.to_vector<float>() == std::vector<float>{1, 0, 1, 0, 2, 0, 2, 0, 3, 0, 3, 0});
  CHECK_THROWS_AS(copy_into(x, zeros({3, 4}, DType::i64)), Error);
  CHECK_THROWS_AS(copy_into(x, zeros({2, 4})), Error);
}

TEST_CASE("to converts dtypes in logical order") {
  Tensor x = from_vector<float>({1.5f, -2.75f, 3.0f, 0.0f}, {2, 2});
  CHECK(x.to(DType::i64).to_vector<int64_t>() == std::vector<int64_t>{1, -2, 3, 0});
  CHECK(x.transpose(0, 1).to(DType::i32).to_vector<int32_t>() == std::vector<int32_t>{1, 3, -2, 0});
  CHECK(x.to(DType::f32).shares_storage_with(x));
  CHECK(arange(3).to(DType::f32).to_vector<float>() == std::vector<float>{0, 1, 2});
}

TEST_CASE("to b8 is 'not zero', and a float that no integer type holds is an error") {
  const Tensor x = from_vector<float>({0.5f, 2, -1, 0, -0.0f});
  CHECK(x.to(DType::b8).to_vector<uint8_t>() == std::vector<uint8_t>{1, 1, 1, 0, 0});
  CHECK(from_vector<int64_t>({0, 256, -3}).to(DType::b8).to_vector<uint8_t>() ==
        std::vector<uint8_t>{0, 1, 1});
  CHECK(full({2}, 0.25f, DType::b8).to_vector<uint8_t>() == std::vector<uint8_t>{1, 1});
  CHECK_THROWS_WITH_AS(from_vector<float>({1, NAN}).to(DType::i64),
                       "to: f32 [2] holds nan, which is not a i64 value", Error);
  CHECK_THROWS_AS(from_vector<float>({INFINITY}).to(DType::i32), Error);
  CHECK_THROWS_AS(from_vector<float>({3e9f}).to(DType::i32), Error);
  CHECK_THROWS_AS(from_vector<float>({-1e19f}).to(DType::i64), Error);
  // i64 to i32 wrapped: token id 5000000000 became 705032704.
  CHECK_THROWS_WITH_AS(from_vector<int64_t>({-1, 5000000000}).to(DType::i32),
                       "to: i64 [2] holds 5000000000, which is not a i32 value", Error);
  CHECK_THROWS_AS(from_vector<int64_t>({-2147483649}).to(DType::i32), Error);
  CHECK(from_vector<int64_t>({-2147483648, 2147483647}).to(DType::i32).to_vector<int32_t>() ==
        std::vector<int32_t>{-2147483647 - 1, 2147483647});
  CHECK_THROWS_WITH_AS(full({1}, NAN, DType::i64), "full: nan is not a i64 value", Error);
  // The ends of each range convert.
  CHECK(from_vector<float>({-2147483648.0f, 2147483520.0f}).to(DType::i32).to_vector<int32_t>() ==
        std::vector<int32_t>{INT32_MIN, 2147483520});
}

TEST_CASE("item needs exactly one element") {
  CHECK(ref::iota({1, 1, 1}).item<float>() == 0.0f);
  CHECK(arange(5, 6).item<int64_t>() == 5);
  CHECK_THROWS_AS(ref::iota({2}).item<float>(), Error);
  // Not "the shape is []", which is a scalar's, one element.
  CHECK_THROWS_WITH_AS(Tensor().item<float>(), "item: the tensor is undefined", Error);
}
