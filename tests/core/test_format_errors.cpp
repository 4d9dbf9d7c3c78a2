#include <doctest/doctest.h>

#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

TEST_CASE("format shows values shape and dtype") {
  CHECK(fmt::format("{}", ref::iota({2, 3})) ==
        "Tensor([[0, 1, 2],\n [3, 4, 5]], shape=[2, 3], dtype=f32)");
  CHECK(fmt::format("{}", from_vector<float>({1.5f, -0.25f, 3.14159f})) ==
        "Tensor([1.5, -0.25, 3.142], shape=[3], dtype=f32)");
  CHECK(fmt::format("{}", arange(3)) == "Tensor([0, 1, 2], shape=[3], dtype=i64)");
  CHECK(fmt::format("{}", from_vector<uint8_t>({1, 0})) == "Tensor([1, 0], shape=[2], dtype=b8)");
}

TEST_CASE("format of rank-0 zero-size and undefined tensors") {
  CHECK(fmt::format("{}", scalar(2.5f)) == "Tensor(2.5, shape=[], dtype=f32)");
  CHECK(fmt::format("{}", zeros({0})) == "Tensor([], shape=[0], dtype=f32)");
  CHECK(fmt::format("{}", Tensor()) == "Tensor(undefined)");
}

TEST_CASE("format prints views in logical order") {
  CHECK(fmt::format("{}", arange(4).view({2, 2}).transpose(0, 1)) ==
        "Tensor([[0, 2],\n [1, 3]], shape=[2, 2], dtype=i64)");
  CHECK(fmt::format("{}", ref::iota({10}).slice(0, 1, 10, 4)) ==
        "Tensor([1, 5, 9], shape=[3], dtype=f32)");
  CHECK(fmt::format("{}", scalar(7.0f).expand({2})) == "Tensor([7, 7], shape=[2], dtype=f32)");
}

TEST_CASE("format abbreviates large tensors with an ellipsis") {
  const std::string flat = fmt::format("{}", ref::iota({2000}));
  CHECK(flat == "Tensor([0, 1, 2, ..., 1997, 1998, 1999], shape=[2000], dtype=f32)");
  const std::string matrix = fmt::format("{}", ref::iota({40, 50}));
  CHECK(ref::contains(matrix, "[0, 1, 2, ..., 47, 48, 49],"));
  CHECK(ref::contains(matrix, " ...,\n"));
  CHECK(ref::contains(matrix, "[1950, 1951, 1952, ..., 1997, 1998, 1999]]"));
  CHECK(ref::contains(matrix, "shape=[40, 50]"));
  CHECK_FALSE(ref::contains(matrix, "1000"));  // a middle row is left out
  CHECK(matrix.size() < 400);
  CHECK_FALSE(ref::contains(fmt::format("{}", ref::iota({10, 100})), "..."));  // 1000 is not large
}

TEST_CASE("operator<< prints what to_string returns") {
  const Tensor x = ref::iota({2, 2});
  std::ostringstream os;
  os << x;
  CHECK(os.str() == to_string(x));
  CHECK(os.str() == fmt::format("{}", x));
}

TEST_CASE("sg::Error is a std::runtime_error") {
  CHECK_THROWS_AS(zeros({2}).at<float>({2}), std::runtime_error);
}

TEST_CASE("a matmul shape mismatch names the op and both shapes") {
  const std::string message = ref::error_message([] { matmul(zeros({2, 3}), zeros({4, 5})); });
  INFO(message);
  CHECK(ref::contains(message, "matmul"));
  CHECK(ref::contains(message, "[2, 3]"));
  CHECK(ref::contains(message, "[4, 5]"));
}

TEST_CASE("a broadcast mismatch names the op and both shapes") {
  using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<std::string, Binary>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }},
      {"where",
       [](const Tensor& a, const Tensor& b) {
         return where(ones({2, 3}, DType::b8), a, b);
       }},
  };
  // Not a structured binding: clang 14 cannot capture one in a lambda (the sanitizer builds).
  for (const auto& entry : ops) {
    const std::string& name = entry.first;
    const std::string message = ref::error_message([&] {
      entry.second(zeros({2, 3}), zeros({3, 2}));
    });
    INFO(message);
    CHECK(ref::contains(message, name + ":"));
    CHECK(ref::contains(message, "[2, 3]"));
    CHECK(ref::contains(message, "[3, 2]"));
  }
  const std::string batch = ref::error_message([] { matmul(zeros({2, 4, 3}), zeros({3, 3, 5})); });
  // The whole shapes, not only their batch parts ("[2] and [3]" said too little).
  CHECK(batch ==
        "matmul: the batch dimensions of shapes [2, 4, 3] and [3, 3, 5] cannot be broadcast");
  CHECK_NOTHROW(matmul(zeros({2, 1, 4, 3}), zeros({5, 3, 2})));
}

TEST_CASE("out-of-range indices throw from at select and narrow") {
  const Tensor x = zeros({2, 3});
  CHECK_THROWS_WITH_AS(x.at<float>({2, 0}), "at: index [2, 0] is out of bounds for shape [2, 3]",
                       Error);
  CHECK_THROWS_AS(x.at<float>({0, -1}), Error);
  CHECK_THROWS_AS(x.at<float>({0, 0, 0}), Error);
  CHECK_THROWS_WITH_AS(x.select(1, 3), doctest::Contains("select"), Error);
  CHECK_THROWS_WITH_AS(x.select(1, 3), doctest::Contains("[2, 3]"), Error);
  CHECK_THROWS_WITH_AS(x.narrow(1, 2, 2), doctest::Contains("narrow"), Error);
  CHECK_THROWS_WITH_AS(x.narrow(1, 2, 2), doctest::Contains("[2, 3]"), Error);
  CHECK_THROWS_AS(x.narrow(1, 1, -1), Error);
  CHECK_THROWS_WITH_AS(x.transpose(0, 2), doctest::Contains("transpose"), Error);
  CHECK_THROWS_WITH_AS(x.size(2), doctest::Contains("out of range"), Error);
}

TEST_CASE("dtype mismatches throw") {
  CHECK_THROWS_WITH_AS(zeros({1}).item<int64_t>(), "item: tensor has dtype f32, accessed as i64",
                       Error);
  CHECK_THROWS_WITH_AS(zeros({2}).at<int64_t>({0}), "at: tensor has dtype f32, accessed as i64",
                       Error);
  CHECK_THROWS_AS(arange(3).data<float>(), Error);
  CHECK_THROWS_AS(arange(3).item<float>(), Error);
  CHECK_THROWS_AS(arange(3).to_vector<float>(), Error);
  CHECK_THROWS_WITH_AS(add(zeros({2}), arange(2)), doctest::Contains("i64"), Error);
  CHECK_THROWS_AS(matmul(zeros({2, 2}), zeros({2, 2}, DType::i32)), Error);
  CHECK_THROWS_AS(concat({zeros({2}), arange(2)}, 0), Error);
}

TEST_CASE("undefined tensors throw instead of crashing") {
  const Tensor undefined;
  CHECK_FALSE(undefined.defined());
  CHECK_THROWS_AS(undefined.data<float>(), Error);
  CHECK_THROWS_AS(undefined.raw_data(), Error);
  CHECK_THROWS_AS(undefined.contiguous(), Error);
  CHECK_THROWS_AS(undefined.clone(), Error);
  CHECK_THROWS_AS(undefined.to(DType::i64), Error);
  CHECK_THROWS_AS(exp(undefined), Error);
  CHECK_THROWS_AS(sum(undefined), Error);
  CHECK_THROWS_AS(softmax(undefined, 0), Error);
  CHECK_THROWS_AS(concat({undefined}, 0), Error);
}

TEST_CASE("set_num_threads rejects non-positive counts") {
  CHECK_THROWS_WITH_AS(set_num_threads(0), doctest::Contains("set_num_threads"), Error);
  CHECK_THROWS_AS(set_num_threads(-2), Error);
  CHECK(num_threads() >= 1);
}

TEST_CASE("a shape with more elements than int64 counts is refused, not given a wrapped buffer") {
  const int64_t big = int64_t{1} << 32;
  CHECK_THROWS_WITH_AS(zeros({big, big}),
                       "empty: shape [4294967296, 4294967296] has more elements than int64 counts",
                       Error);
  CHECK(Tensor::empty({big, big, 0, big}).numel() == 0);
  // Views that would get such a shape: an expand of one element, a view of an empty tensor.
  CHECK_THROWS_WITH_AS(zeros({1, 1}).expand({big, big}),
                       "expand: shape [4294967296, 4294967296] has more elements than int64 counts",
                       Error);
  CHECK_THROWS_AS(zeros({0}).view({big, big, big, big}), Error);
  // Elements that int64 counts, bytes that size_t does not: the buffer's size wrapped to 0.
  CHECK_THROWS_WITH_AS(Tensor::empty({int64_t{1} << 61}, DType::i64),
                       "empty: i64 [2305843009213693952] has more bytes than memory addresses",
                       Error);
  // Bytes that size_t counts but rounding to the allocator's size class wrapped to 0: a 1-byte
  // block was written past.
  CHECK_THROWS_WITH_AS(zeros({int64_t{0x3800000000000010}}),
                       doctest::Contains("has more bytes than memory addresses"), Error);
  CHECK_THROWS_WITH_AS(zeros({1}).expand({int64_t{1} << 62}).contiguous(),
                       doctest::Contains("has more bytes than memory addresses"), Error);
  CHECK_THROWS_WITH_AS(Tensor::empty({int64_t{1} << 50}),
                       "empty: cannot allocate 4503599627370496 bytes for f32 [1125899906842624]",
                       Error);
}

TEST_CASE("cross-entropy over zero classes is refused (its backward divided by zero)") {
  const Tensor targets = from_vector<int64_t>({-100, -100});
  CHECK_THROWS_WITH_AS(cross_entropy_forward(zeros({2, 0}), targets, {}),
                       "cross_entropy: logits must be f32 of shape [N, C] with C > 0, got [2, 0]",
                       Error);
}

TEST_CASE("in-place writes refuse an expanded destination and read an overlapping source first") {
  const Tensor row = zeros({1, 3});
  CHECK_THROWS_WITH_AS(add_inplace(row.expand({2, 3}), ones({2, 3})),
                       "add_inplace: the destination [2, 3] repeats its elements (an expanded "
                       "view); write into a tensor of its own",
                       Error);
  CHECK_THROWS_AS(mul_inplace(row.expand({2, 3}), 2.0f), Error);
  CHECK_THROWS_AS(copy_into(row.expand({2, 3}), ones({2, 3})), Error);
  CHECK(row.to_vector<float>() == std::vector<float>{0, 0, 0});
  // A matrix written from its own transpose: [[1, 3], [2, 4]], not [[1, 3], [3, 4]].
  const Tensor t = from_vector<float>({1, 2, 3, 4}, {2, 2});
  copy_into(t, t.transpose(0, 1));
  CHECK(t.to_vector<float>() == std::vector<float>{1, 3, 2, 4});
  const Tensor u = from_vector<float>({1, 2, 3, 4}, {2, 2});
  add_inplace(u, u.transpose(0, 1));
  CHECK(u.to_vector<float>() == std::vector<float>{2, 5, 5, 8});
  add_inplace(u, u);  // the same view: element by element, as before
  CHECK(u.to_vector<float>() == std::vector<float>{4, 10, 10, 16});
  // Two disjoint rows of one tensor: read in place, no copy (the peak of live bytes stays put).
  const Tensor rows = ones({2, 1 << 16});
  const size_t before = allocator_stats().bytes_in_use;
  reset_peak_bytes_in_use();
  add_inplace(rows.select(0, 0), rows.select(0, 1));
  copy_into(rows.select(0, 1), rows.select(0, 0));
  add_inplace(rows, rows);  // the same view, nor here
  CHECK(allocator_stats().peak_bytes_in_use == before);
  CHECK(rows.to_vector<float>() == std::vector<float>(2 << 16, 4.0f));
}

TEST_CASE("views refuse negative sizes and ranges that overflow") {
  const Tensor t = zeros({1, 3});
  CHECK_THROWS_WITH_AS(t.expand({-2, 3}), "expand: negative size in [-2, 3]", Error);
  const int64_t huge = std::numeric_limits<int64_t>::max();
  CHECK(zeros({2, 3}).slice(1, 0, 3, huge).shape() == Shape{2, 1});
  CHECK_THROWS_WITH_AS(t.narrow(1, 1, huge), doctest::Contains("narrow: start 1 and length"),
                       Error);
}

TEST_CASE("dtype errors name what they got") {
  const Tensor ints = zeros({2, 3}, DType::i64);
  CHECK_THROWS_WITH_AS(matmul(ints, zeros({3, 2})),
                       "matmul: expected two f32 tensors, got i64 [2, 3] and f32 [3, 2]", Error);
  CHECK_THROWS_WITH_AS(softmax(ints, 1),
                       doctest::Contains("expected an f32 tensor, got i64 [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(ints, {}, {}, 1e-5f),
                       "layer_norm: expected an f32 tensor of rank >= 1, got i64 [2, 3]", Error);
  CHECK(describe(Tensor()) == "undefined");
}

TEST_CASE("an undefined tensor has no elements, and views of it are errors naming the view") {
  const Tensor undefined;
  CHECK(undefined.numel() == 0);
  CHECK_THROWS_WITH_AS(undefined.view({1}), "view: the tensor is undefined", Error);
  CHECK_THROWS_WITH_AS(undefined.reshape({1, 1}), "reshape: the tensor is undefined", Error);
  CHECK_THROWS_WITH_AS(undefined.expand({3}), "expand: the tensor is undefined", Error);
  CHECK_THROWS_WITH_AS(undefined.squeeze(), "squeeze: the tensor is undefined", Error);
  CHECK_THROWS_WITH_AS(undefined.unsqueeze(0), "unsqueeze: the tensor is undefined", Error);
}
