#pragma once
// The workloads of `sg_bench core`: the GEMM shapes of a small transformer and the memory-bound
// kernels around them, at full size or shrunk for a smoke test.
#include <cstdint>
#include <vector>

#include "bench/workload.h"
#include "synthgrad/core/random.h"
#include "synthgrad/core/shape.h"

namespace sg::bench {

struct GemmShape {
  int64_t m = 0, n = 0, k = 0;
  friend bool operator==(const GemmShape&, const GemmShape&) = default;
};

struct CoreSizes {
  std::vector<GemmShape> gemm;
  GemmShape gemm_reference;  // one of `gemm`, also called through sg::gemm and at 1 thread
  Shape elementwise;         // [rows, cols]; the row-wise kernels work along cols
};

CoreSizes core_sizes(bool quick);

// sg::matmul for every shape, then sg::gemm called directly for the reference shape, with the
// library's GEMM and (when that is not OpenBLAS) with OpenBLAS.
std::vector<Workload> gemm_workloads(const CoreSizes& sizes, Generator& gen);

// std::memcpy between two tensors of `shape`: the bandwidth the kernels are compared against.
Workload memcpy_workload(const Shape& shape);
std::vector<Workload> kernel_workloads(const Shape& shape, Generator& gen);
std::vector<Workload> residual_norm_workloads(const Shape& shape, Generator& gen);
std::vector<Workload> gelu_epilogue_workloads(const Shape& shape, Generator& gen);

}  // namespace sg::bench
