#include <doctest/doctest.h>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

// out[i..., :] = weight[ids[i...], :], looked up one element at a time.
ref::Ref embedding_ref(const Tensor& weight, const Tensor& ids) {
  ref::Ref out{ids.shape(), {}};
  out.shape.push_back(weight.size(1));
  ref::for_each_index(ids.shape(), [&](const ref::Index& i) {
    const int64_t row = ids.dtype() == DType::i64 ? ids.at<int64_t>(i) : ids.at<int32_t>(i);
    for (int64_t j = 0; j < weight.size(1); ++j) out.values.push_back(weight.at<float>({row, j}));
  });
  return out;
}

}  // namespace

TEST_CASE("embedding gathers rows for ids of any shape") {
  const Tensor weight = ref::random_tensor({10, 4}, 1);
  const Tensor ids = from_vector<int64_t>({3, 0, 9, 3, 3, 1}, {2, 3});
  const Tensor out = embedding(weight, ids);
  CHECK(out.shape() == Shape{2, 3, 4});
  ref::check_close(out, embedding_ref(weight, ids), 0.0, 0.0);
  ref::check_close(embedding(weight, from_vector<int32_t>({9, 2})),
                   embedding_ref(weight, from_vector<int32_t>({9, 2})), 0.0, 0.0);
  CHECK(embedding(weight, from_vector<int64_t>({5}, {})).shape() == Shape{4});
  CHECK(embedding(weight, zeros({0, 3}, DType::i64)).shape() == Shape{0, 3, 4});
}

TEST_CASE("embedding reads non-contiguous weights and ids") {
  const Tensor weight = ref::random_tensor({6, 8}, 2).transpose(0, 1);  // [8, 6]
  const Tensor ids = from_vector<int64_t>({7, 1, 2, 0, 5, 5}, {3, 2}).transpose(0, 1);
  ref::check_close(embedding(weight, ids), embedding_ref(weight, ids), 0.0, 0.0);
  const Tensor stepped = ref::random_tensor({12, 5}, 3).slice(0, 1, 12, 2);  // rows 1, 3, ...
  const Tensor ids2 = arange(6).slice(0, 0, 6, 2);
  ref::check_close(embedding(stepped, ids2), embedding_ref(stepped, ids2), 0.0, 0.0);
  const Tensor repeated = from_vector<int64_t>({4, 1}).expand({3, 2});  // stride-0 ids
  ref::check_close(embedding(stepped, repeated), embedding_ref(stepped, repeated), 0.0, 0.0);
}

TEST_CASE("embedding rejects ids outside the table") {
  const Tensor weight = zeros({5, 3});
  CHECK_THROWS_WITH_AS(embedding(weight, from_vector<int64_t>({0, 5})), doctest::Contains("id 5"),
                       Error);
  CHECK_THROWS_AS(embedding(weight, from_vector<int32_t>({-1})), Error);
  CHECK_THROWS_AS(embedding(weight, from_vector<float>({1.0f})), Error);
  CHECK_THROWS_AS(embedding(zeros({5}), from_vector<int64_t>({0})), Error);
}

TEST_CASE("index_add_rows_inplace accumulates repeated ids") {
  Tensor dst = ones({4, 3});
  const Tensor ids = from_vector<int64_t>({2, 0, 2, 2}, {2, 2});
  const Tensor src = ref::iota({2, 2, 3});
  index_add_rows_inplace(dst, ids, src);
  // Row 2 receives src rows 0, 2 and 3; row 0 receives src row 1; rows 1 and 3 are untouched.
  CHECK(dst.to_vector<float>() == std::vector<float>{4, 5, 6, 1, 1, 1, 1 + 0 + 6 + 9,
                                                     1 + 1 + 7 + 10, 1 + 2 + 8 + 11, 1, 1, 1});
}

TEST_CASE("index_add_rows_inplace reads a non-contiguous source") {
  Tensor dst = zeros({3, 4});
  const Tensor ids = from_vector<int32_t>({1, 1, 0});
  const Tensor src = ref::iota({4, 3}).transpose(0, 1);  // [3, 4]: src[i, k] = 3k + i
  index_add_rows_inplace(dst, ids, src);
  CHECK(dst.to_vector<float>() == std::vector<float>{2, 5, 8, 11, 1, 7, 13, 19, 0, 0, 0, 0});
}

TEST_CASE("index_add_rows_inplace reads a source that is its destination as it was") {
  Tensor table = from_vector<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  index_add_rows_inplace(table, from_vector<int64_t>({1, 0}), table);
  // Row 1 += old row 0, row 0 += old row 1 (not row 1 as just updated).
  CHECK(table.to_vector<float>() == std::vector<float>{3, 5, 7, 3, 5, 7});
}

TEST_CASE("index_add_rows_inplace accumulates many repeated ids into wide rows") {
  // Wide rows are split across threads by columns; the sums are small integers, so exact.
  const int64_t n = 5000, d = 256, vocab = 7;
  std::vector<int64_t> ids(n);
  for (int64_t i = 0; i < n; ++i) ids[i] = i % vocab;
  Tensor dst = zeros({vocab, d});
  index_add_rows_inplace(dst, from_vector(ids, {50, 100}), ones({50, 100, d}));
  for (int64_t v = 0; v < vocab; ++v) {
    const float expected = static_cast<float>((n - v + vocab - 1) / vocab);  // ids equal to v
    CHECK(dst.at<float>({v, 0}) == expected);
    CHECK(dst.at<float>({v, d - 1}) == expected);
  }
}

TEST_CASE("index_add_rows_inplace rejects bad ids and shapes") {
  Tensor dst = zeros({3, 2});
  const Tensor src = zeros({2, 2});
  CHECK_THROWS_AS(index_add_rows_inplace(dst, from_vector<int64_t>({0, 3}), src), Error);
  CHECK_THROWS_AS(index_add_rows_inplace(dst, from_vector<int64_t>({-1, 0}), src), Error);
  CHECK_THROWS_AS(index_add_rows_inplace(dst, from_vector<int64_t>({0}), src), Error);
  CHECK_THROWS_AS(index_add_rows_inplace(dst.transpose(0, 1), from_vector<int64_t>({0, 1}), src),
                  Error);
  CHECK(dst.to_vector<float>() == std::vector<float>(6, 0.0f));  // nothing was written
}

TEST_CASE("where picks from a or b and broadcasts all three") {
  const Tensor cond = from_vector<uint8_t>({1, 0, 0}, {3, 1});
  const Tensor a = from_vector<float>({1, 2, 3, 4}, {1, 4});
  const Tensor out = where(cond, a, scalar(-1.0f));
  CHECK(out.shape() == Shape{3, 4});
  CHECK(out.to_vector<float>() == std::vector<float>{1, 2, 3, 4, -1, -1, -1, -1, -1, -1, -1, -1});
  CHECK(where(from_vector<uint8_t>({0, 1}), scalar(5.0f), scalar(6.0f)).to_vector<float>() ==
        std::vector<float>{6, 5});
}

TEST_CASE("where reads non-contiguous inputs") {
  const Tensor x = ref::random_tensor({5, 6}, 4).transpose(0, 1);  // [6, 5]
  const Tensor y = ref::random_tensor({6, 10}, 5).slice(1, 0, 10, 2);
  const Tensor cond = gt(x, y).transpose(0, 1).contiguous().transpose(0, 1);
  ref::check_close(where(cond, x, y),
                   ref::binary(x, y, [](double a, double b) { return std::max(a, b); }), 0.0, 0.0);
  ref::check_close(where(cond, y, x),
                   ref::binary(x, y, [](double a, double b) { return std::min(a, b); }), 0.0, 0.0);
}

TEST_CASE("where rejects bad dtypes and shapes") {
  CHECK_THROWS_AS(where(zeros({2}), zeros({2}), zeros({2})), Error);
  CHECK_THROWS_AS(where(zeros({2}, DType::b8), arange(2), zeros({2})), Error);
  CHECK_THROWS_AS(where(zeros({3}, DType::b8), zeros({2}), zeros({2})), Error);
}

TEST_CASE("masked_fill replaces masked positions") {
  const Tensor x = ref::iota({2, 3});
  const Tensor mask = from_vector<uint8_t>({0, 1, 0}, {1, 3});
  CHECK(masked_fill(x, mask, -9.0f).to_vector<float>() == std::vector<float>{0, -9, 2, 3, -9, 5});
  CHECK(masked_fill(x.transpose(0, 1), mask.transpose(0, 1), 7.0f).to_vector<float>() ==
        std::vector<float>{0, 3, 7, 7, 2, 5});
  CHECK_THROWS_AS(masked_fill(x, zeros({1, 3}), 0.0f), Error);
}

TEST_CASE("concat along every axis") {
  const Tensor a = ref::iota({2, 3}), b = add(ref::iota({2, 3}), 100.0f);
  CHECK(concat({a, b}, 0).to_vector<float>() ==
        std::vector<float>{0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105});
  CHECK(concat({a, b}, -1).to_vector<float>() ==
        std::vector<float>{0, 1, 2, 100, 101, 102, 3, 4, 5, 103, 104, 105});
  CHECK(concat({a, zeros({2, 0}), b.narrow(1, 0, 1)}, 1).shape() == Shape{2, 4});
  CHECK(concat({a}, 0).to_vector<float>() == a.to_vector<float>());
  CHECK(concat({arange(2), arange(3)}, 0).to_vector<int64_t>() ==
        std::vector<int64_t>{0, 1, 0, 1, 2});
}

TEST_CASE("concat of non-contiguous inputs") {
  const Tensor x = ref::iota({4, 6});
  const Tensor t = x.transpose(0, 1).narrow(0, 0, 2);    // [2, 4]: columns 0 and 1
  const Tensor s = x.slice(1, 0, 6, 3).transpose(0, 1);  // [2, 4]: columns 0 and 3
  const Tensor e = from_vector<float>({-1, -2, -3, -4}, {1, 4}).expand({2, 4});
  CHECK(concat({t, s, e}, 0).to_vector<float>() ==
        std::vector<float>{0, 6, 12, 18, 1,  7,  13, 19, 0,  6,  12, 18,
                           3, 9, 15, 21, -1, -2, -3, -4, -1, -2, -3, -4});
  const Tensor c = concat({t, e}, 1);
  CHECK(c.shape() == Shape{2, 8});
  CHECK(c.select(0, 1).to_vector<float>() == std::vector<float>{1, 7, 13, 19, -1, -2, -3, -4});
}

TEST_CASE("concat rejects mismatched inputs") {
  CHECK_THROWS_AS(concat({}, 0), Error);
  CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({3, 3})}, 1), Error);
  CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({2, 3, 1})}, 0), Error);
  CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({2, 3}, DType::i64)}, 0), Error);
  CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({2, 3})}, 2), Error);
  CHECK_THROWS_WITH_AS(concat({zeros({2, 3}), zeros({3, 4})}, 0), doctest::Contains("[3, 4]"),
                       Error);
}

TEST_CASE("split returns views that concat reassembles") {
  const Tensor x = ref::iota({3, 7});
  const std::vector<Tensor> parts = split(x, {2, 0, 5}, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].shape() == Shape{3, 2});
  CHECK(parts[1].shape() == Shape{3, 0});
  CHECK(parts[2].shape() == Shape{3, 5});
  CHECK(parts[2].shares_storage_with(x));
  CHECK(parts[2].at<float>({1, 0}) == 9.0f);
  CHECK(concat(parts, 1).to_vector<float>() == x.to_vector<float>());
  const std::vector<Tensor> rows = split(x.transpose(0, 1), {3, 4}, 0);
  CHECK(rows[1].contiguous().to_vector<float>() ==
        std::vector<float>{3, 10, 17, 4, 11, 18, 5, 12, 19, 6, 13, 20});
}

TEST_CASE("split rejects sizes that do not cover the axis") {
  const Tensor x = zeros({3, 7});
  CHECK_THROWS_AS(split(x, {2, 4}, 1), Error);
  CHECK_THROWS_AS(split(x, {8, -1}, 1), Error);
  CHECK_THROWS_AS(split(x, {3}, 2), Error);
  const int64_t huge = std::numeric_limits<int64_t>::max();
  CHECK_THROWS_WITH_AS(split(x, {huge, huge, 6}, 1), doctest::Contains("add up past int64"), Error);
}
