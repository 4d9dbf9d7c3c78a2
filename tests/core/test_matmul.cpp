#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "reference.h"
#include "synthgrad/core/core.h"

using namespace sg;

namespace {

// Single-precision GEMM against the double triple loop: errors grow with K, values are O(1).
void check_matmul(const Tensor& a, const Tensor& b) {
  CAPTURE(shape_str(a.shape()));
  CAPTURE(shape_str(a.strides()));
  CAPTURE(shape_str(b.shape()));
  CAPTURE(shape_str(b.strides()));
  ref::check_close(matmul(a, b), ref::matmul(a, b), 1e-4, 1e-4);
}

// Operands are seeded by their shape, so each test is reproducible on its own or in a full run.
Tensor random(const Shape& shape, uint64_t salt = 0) {
  uint64_t seed = salt;
  for (int64_t s : shape) seed = seed * 31 + static_cast<uint64_t>(s);
  return ref::random_tensor(shape, seed);
}

}  // namespace

TEST_CASE("matmul of plain matrices with odd sizes") {
  check_matmul(random({5, 7}), random({7, 3}));
  check_matmul(random({13, 31}), random({31, 17}));
  check_matmul(random({65, 129}), random({129, 33}));
}

TEST_CASE("matmul with sizes of one") {
  check_matmul(random({1, 6}), random({6, 4}));  // row vector
  check_matmul(random({5, 1}), random({1, 4}));  // outer product
  check_matmul(random({5, 6}), random({6, 1}));  // matrix-vector
  check_matmul(random({1, 6}), random({6, 1}));  // dot product
  check_matmul(random({1, 1}), random({1, 1}, 1));
  check_matmul(random({3, 1, 1}), random({1, 1, 2}));
}

TEST_CASE("matmul of transposed views") {
  const Tensor at = random({7, 5}).transpose(0, 1);  // [5, 7]
  const Tensor bt = random({3, 7}).transpose(0, 1);  // [7, 3]
  check_matmul(at, random({7, 3}));
  check_matmul(random({5, 7}), bt);
  check_matmul(at, bt);
  // Transposed views with a size-1 side, where either BLAS layout could apply.
  check_matmul(random({7, 1}).transpose(0, 1), bt);
  check_matmul(at, random({1, 7}).transpose(0, 1));
}

TEST_CASE("matmul of batched transposed views") {
  const Tensor a = random({2, 3, 6, 4}).transpose(-1, -2);  // [2, 3, 4, 6]
  const Tensor b = random({2, 1, 5, 6}).transpose(2, 3);    // [2, 1, 6, 5]
  check_matmul(a, b);
  check_matmul(a, random({6, 5}));
  check_matmul(random({3, 4, 6}), b);
}

TEST_CASE("matmul of a batch against one shared matrix") {
  check_matmul(random({2, 3, 4, 5}), random({5, 6}));
  check_matmul(random({4, 1, 5}), random({5, 3}));
  check_matmul(random({3, 4, 5}), random({1, 5, 3}));
  check_matmul(random({2, 3, 4, 5}), random({5, 8}).narrow(1, 1, 6));  // padded rows of b
  check_matmul(random({2, 3, 4, 5}), random({6, 5}).transpose(0, 1));
}

TEST_CASE("matmul broadcasts batch axes") {
  check_matmul(random({1, 4, 5}), random({4, 5, 3}));
  check_matmul(random({2, 1, 4, 5}), random({1, 3, 5, 6}));
  check_matmul(random({4, 5}), random({3, 5, 2}));
  check_matmul(random({2, 1, 3, 4}), random({5, 4, 2}));
  CHECK(matmul(random({2, 1, 4, 5}), random({1, 3, 5, 6})).shape() == Shape{2, 3, 4, 6});
}

TEST_CASE("matmul of expanded operands") {
  const Tensor row = random({1, 5});
  check_matmul(row.expand({4, 5}), random({5, 3}));
  check_matmul(random({4, 5}), random({5, 1}).expand({5, 3}));
  check_matmul(random({1, 4, 5}).expand({3, 4, 5}), random({3, 5, 2}));
  check_matmul(random({1, 4, 5}).expand({3, 4, 5}), random({5, 2}));
  check_matmul(random({3, 4, 5}), random({5, 2}).expand({3, 5, 2}));
}

TEST_CASE("matmul of strided slices") {
  const Tensor big = random({12, 20});
  check_matmul(big.slice(1, 0, 20, 2).narrow(0, 0, 6), random({10, 4}));    // column step 2
  check_matmul(big.slice(0, 1, 12, 2), random({20, 3}));                    // row step 2
  check_matmul(random({3, 6}), big.narrow(0, 0, 6).narrow(1, 3, 9));        // padded rows
  check_matmul(random({3, 6}), big.slice(0, 0, 12, 2).slice(1, 1, 20, 3));  // both steps
  const Tensor batch = random({4, 6, 8});
  check_matmul(batch.slice(0, 0, 4, 2).narrow(2, 1, 5), random({5, 3}));
  check_matmul(batch.select(2, 7).unsqueeze(1), random({6, 2}));  // [4, 1, 6], row stride 1
}

TEST_CASE("matmul of a batch of single rows with padded storage") {
  // [B, 1, K] views whose batch stride is the padded row length, not K.
  const Tensor padded = random({5, 9}).unsqueeze(1);  // [5, 1, 9]
  check_matmul(padded.narrow(2, 0, 4), random({4, 3}));
  check_matmul(padded.narrow(2, 2, 4), random({4, 3}).transpose(0, 1).contiguous().transpose(0, 1));
}

TEST_CASE("matmul with an empty dimension") {
  const Tensor k0 = matmul(zeros({3, 0}), zeros({0, 4}));
  CHECK(k0.shape() == Shape{3, 4});
  CHECK(k0.to_vector<float>() == std::vector<float>(12, 0.0f));
  CHECK(matmul(zeros({0, 3}), zeros({3, 4})).shape() == Shape{0, 4});
  CHECK(matmul(zeros({2, 0, 3, 5}), zeros({5, 4})).shape() == Shape{2, 0, 3, 4});
}

TEST_CASE("matmul rejects mismatched operands") {
  CHECK_THROWS_AS(matmul(zeros({2, 3}), zeros({4, 5})), Error);
  CHECK_THROWS_AS(matmul(zeros({3}), zeros({3, 2})), Error);
  CHECK_THROWS_AS(matmul(zeros({2, 2, 3}), zeros({3, 3, 2})), Error);
  CHECK_THROWS_AS(matmul(arange(6).view({2, 3}), zeros({3, 2})), Error);
  CHECK_THROWS_AS(matmul(zeros({2, 3}), Tensor()), Error);
}

TEST_CASE("matmul of products large enough to be split into blocks of rows or columns") {
  check_matmul(random({300, 70}), random({70, 200}));                  // blocks of rows
  check_matmul(random({70, 300}).transpose(0, 1), random({70, 200}));  // of rows, A transposed
  check_matmul(random({40, 90}), random({90, 530}));                   // blocks of columns
  check_matmul(random({40, 90}), random({530, 90}).transpose(0, 1));   // of columns, B transposed
  check_matmul(random({3, 130, 64}), random({3, 64, 140}).narrow(2, 3, 129));  // batched and split
}

TEST_CASE("matmul with a bias: rows (added block by block), a column, a whole product") {
  // alpha A B + bias against the triple loop, for biases that take the block-by-block row path and
  // those copied into C first; shapes split into row and column blocks.
  const auto check = [](const Tensor& a, const Tensor& b, const Tensor& bias, float alpha = 0.5f) {
    CAPTURE(shape_str(a.shape()));
    CAPTURE(alpha);
    ref::Ref want = ref::matmul(a, b);
    size_t at = 0;
    ref::for_each_index(want.shape, [&](const ref::Index& i) {
      want.values[at] = alpha * want.values[at] + (bias.defined() ? ref::read(bias, i) : 0.0);
      ++at;
    });
    ref::check_close(matmul(a, b, alpha, bias), want, 1e-4, 1e-4);
  };
  check(random({300, 70}), random({70, 200}), Tensor(), -2.0f);    // alpha alone, blocks of rows
  check(random({3, 13, 6}), random({3, 6, 14}), Tensor(), 0.25f);  // alpha alone, batched
  check(random({300, 70}), random({70, 200}), random({200}, 1));   // row bias, blocks of rows
  check(random({40, 90}), random({90, 530}), random({530}, 2));    // row bias, blocks of columns
  check(random({3, 130, 64}), random({64, 140}), random({1, 140}, 3));      // folded batch
  check(random({3, 13, 6}), random({3, 6, 14}), random({14}, 4));           // batched products
  check(random({2, 3, 13, 6}), random({3, 6, 14}), random({3, 1, 14}, 8));  // a row per head
  check(random({2, 40, 6}), random({6, 140}), random({2, 1, 140}, 9));      // per batch, shared B
  check(random({5, 7}), random({7, 5}), random({5, 1}, 5));
  check(random({2, 3, 13, 6}), random({3, 6, 14}), random({3, 1, 1}, 10));  // a value per head
  check(random({40, 9}), random({9, 530}),
        full({}, 0.25f));  // a scalar        // a column: numel is n too
  check(random({2, 5, 7}), random({7, 4}), random({2, 5, 4}, 6));  // a bias for every element
  CHECK_THROWS_AS(matmul(random({5, 7}), random({7, 4}), 1.0f, random({3}, 7)), Error);
}

TEST_CASE("matmuls running on several threads at once match the same matmuls run alone") {
  // OpenBLAS runs at one thread and gemm splits work across TBB's threads, so BLAS is called from
  // many threads at once: this checks that the library in use allows that.
  std::vector<std::pair<Tensor, Tensor>> operands;
  for (uint64_t i = 0; i < 6; ++i) {
    const int64_t m = 64 + 37 * static_cast<int64_t>(i), k = 48 + 11 * static_cast<int64_t>(i);
    operands.emplace_back(random({m, k}, i), random({k, 80}, i));
    operands.emplace_back(random({2, 4, 32, 40}, i), random({2, 4, 24, 40}, i).transpose(-1, -2));
  }
  std::vector<Tensor> alone;
  for (const auto& [a, b] : operands) alone.push_back(matmul(a, b));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round)
        for (size_t i = 0; i < operands.size(); ++i) {
          const size_t j = (i + static_cast<size_t>(t)) % operands.size();
          const Tensor c = matmul(operands[j].first, operands[j].second);
          if (std::memcmp(c.raw_data(), alone[j].raw_data(), c.numel() * sizeof(float)) != 0)
            ++mismatches;
        }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(mismatches == 0);
}
