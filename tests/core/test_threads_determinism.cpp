#include <doctest/doctest.h>

#include <cstring>
#include <functional>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), ca.numel() * dtype_size(ca.dtype())) == 0;
}

// Runs f twice on one thread and once on two, and checks that all three results are bit-identical.
void check_deterministic(const std::function<Tensor()>& f) {
  ref::ThreadCountGuard guard;
  set_num_threads(1);
  const Tensor first = f();
  const Tensor again = f();
  set_num_threads(2);
  const Tensor two = f();
  CHECK(same_bits(first, again));
  CHECK(same_bits(first, two));
}

// 3M elements: large enough that every reduction path splits its work across threads.
const Tensor& large() {
  static const Tensor x = ref::uniform_tensor({3, 1000, 1000}, 1, -1.0f, 1.0f);
  return x;
}

}  // namespace

TEST_CASE("a full sum of 3M elements is bit-identical across runs and thread counts") {
  check_deterministic([] { return sum(large()); });
  check_deterministic([] { return mean(large()); });
  check_deterministic([] { return max(large()); });
}

TEST_CASE("row and column sums of 3M elements are bit-identical across thread counts") {
  check_deterministic([] { return sum(large(), {2}); });      // rows
  check_deterministic([] { return sum(large(), {0}); });      // columns
  check_deterministic([] { return sum(large(), {1}); });      // permuted then rows
  check_deterministic([] { return sum(large(), {0, 2}); });   // permuted then rows
  check_deterministic([] { return mean(large(), {1, 2}); });  // three long rows
  check_deterministic([] { return max(large(), {0}); });
}

TEST_CASE("reductions of a 3M-element transposed view are bit-identical across thread counts") {
  check_deterministic([] { return sum(large().transpose(0, 2)); });
  check_deterministic([] { return sum(large().transpose(1, 2), {2}); });
}

TEST_CASE("a full sum of 3M elements is accurate") {
  const Tensor x = ref::uniform_tensor({3000000}, 2);
  double expected = 0.0;
  for (float v : x.to_vector<float>()) expected += v;
  CHECK(sum(x).item<float>() == doctest::Approx(expected).epsilon(1e-6).scale(0));
  CHECK(mean(x).item<float>() == doctest::Approx(expected / 3e6).epsilon(1e-6).scale(0));
}

TEST_CASE("argmax softmax and layer_norm are bit-identical across thread counts") {
  const Tensor x = ref::random_tensor({2000, 300}, 3);
  check_deterministic([&] { return argmax(x, 1); });
  check_deterministic([&] { return softmax(x, 1); });
  check_deterministic([&] { return log_softmax(x.transpose(0, 1), 1); });
  check_deterministic([&] { return layer_norm(x, {}, {}, 1e-5f).y; });
}

TEST_CASE("index_add_rows_inplace is bit-identical across thread counts") {
  const Tensor src = ref::random_tensor({4000, 128}, 4);
  Generator gen(5);
  const Tensor ids = mul(rand_uniform({4000}, gen), 10.0f).to(DType::i64);  // many repeats
  check_deterministic([&] {
    Tensor dst = zeros({10, 128});
    index_add_rows_inplace(dst, ids, src);
    return dst;
  });
}

TEST_CASE("matmul is bit-identical across thread counts") {
  // Large enough that gemm splits them into blocks of rows, of columns, and runs batches in
  // parallel; transposed operands as the backward pass of a linear layer produces them.
  const Tensor a = ref::random_tensor({512, 256}, 6), b = ref::random_tensor({256, 384}, 7);
  check_deterministic([&] { return matmul(a, b); });
  check_deterministic([&] { return matmul(b.transpose(0, 1), a.transpose(0, 1)); });
  check_deterministic([&] { return matmul(a.transpose(0, 1), a); });
  check_deterministic([&] { return matmul(a.narrow(0, 0, 64), b); });
  const Tensor q = ref::random_tensor({8, 4, 64, 32}, 8);
  check_deterministic([&] { return matmul(q, q.transpose(-1, -2)); });
}

TEST_CASE("set_num_threads changes num_threads") {
  ref::ThreadCountGuard guard;
  set_num_threads(1);
  CHECK(num_threads() == 1);
  set_num_threads(2);
  CHECK(num_threads() == 2);
}
