#include "bench/core_workloads.h"

#include <fmt/format.h>

#include <cstring>

#include "synthgrad/core/core.h"

namespace sg::bench {

namespace {

constexpr std::string_view kFlops = "GFLOP/s";
constexpr std::string_view kBytes = "GB/s";

std::string label(const GemmShape& s) {
  return fmt::format("{}x{}x{}", s.m, s.n, s.k);
}
double flops(const GemmShape& s) {
  return 2.0 * static_cast<double>(s.m * s.n * s.k);
}
double f32_bytes(int64_t count) {
  return static_cast<double>(count) * sizeof(float);
}

Workload matmul_workload(const GemmShape& s, Generator& gen) {
  const Tensor a = randn({s.m, s.k}, gen), b = randn({s.k, s.n}, gen);
  return {.name = "matmul " + label(s), .work_per_call = flops(s), .unit = kFlops, .run = [a, b] {
            sg::matmul(a, b);
          }};
}

// Reuses one output buffer, so the gap to the matmul row is everything the wrapper adds. One row
// per GEMM backend the build has, the library's choice restored after each call.
Workload direct_gemm_workload(const GemmShape& s, GemmBackend backend, Generator& gen) {
  const Tensor a = randn({s.m, s.k}, gen), b = randn({s.k, s.n}, gen);
  const Tensor c = Tensor::empty({s.m, s.n});
  return {.name = fmt::format("sg::gemm {} (direct, {})", label(s), gemm_backend_name(backend)),
          .work_per_call = flops(s),
          .unit = kFlops,
          .run = [s, a, b, c, backend] {
            const ScopedGemmBackend scope(backend);
            sg::gemm(false, false, s.m, s.n, s.k, 1.0f, a.data<float>(), s.k, b.data<float>(), s.n,
                     0.0f, c.data<float>(), s.n);
          }};
}

Workload bandwidth(std::string name, double bytes, std::function<void()> run) {
  return {.name = std::move(name), .work_per_call = bytes, .unit = kBytes, .run = std::move(run)};
}

}  // namespace

CoreSizes core_sizes(bool quick) {
  if (quick) {
    const GemmShape cube{256, 256, 256};
    return {{{128, 128, 128}, cube, {512, 64, 256}, {512, 256, 64}}, cube, {1024, 1024}};
  }
  const GemmShape cube{1024, 1024, 1024};
  return {{{512, 512, 512}, cube, {2048, 256, 1024}, {2048, 1024, 256}}, cube, {16384, 1024}};
}

std::vector<Workload> gemm_workloads(const CoreSizes& sizes, Generator& gen) {
  std::vector<Workload> result;
  for (const GemmShape& s : sizes.gemm) {
    result.push_back(matmul_workload(s, gen));
    result.back().compare_threads = s == sizes.gemm_reference;
  }
  result.push_back(direct_gemm_workload(sizes.gemm_reference, gemm_backend(), gen));
  if (gemm_backend() != GemmBackend::openblas)
    result.push_back(direct_gemm_workload(sizes.gemm_reference, GemmBackend::openblas, gen));
  return result;
}

// The destination is left untouched here: warm-up calls fault its pages in, so that the timed
// calls see the memory system's bandwidth and nothing else.
Workload memcpy_workload(const Shape& shape) {
  const Tensor src = zeros(shape), dst = Tensor::empty(shape);
  const double bytes = f32_bytes(src.numel());
  const auto count = static_cast<size_t>(bytes);
  return bandwidth("memcpy (limit)", 2 * bytes,
                   [src, dst, count] { std::memcpy(dst.data<float>(), src.data<float>(), count); });
}

// Bytes are the least each kernel must read and write; outputs are fresh tensors, as in training.
std::vector<Workload> kernel_workloads(const Shape& shape, Generator& gen) {
  const int64_t cols = shape.back();
  const Tensor a = randn(shape, gen), b = randn(shape, gen);
  const Tensor gamma = randn({cols}, gen), beta = randn({cols}, gen);
  const double tensor = f32_bytes(a.numel());
  const double per_row = f32_bytes(a.numel() / cols);  // one value per row, e.g. a row sum
  Workload add_ab = bandwidth("add a + b", 3 * tensor, [a, b] { sg::add(a, b); });
  add_ab.compare_threads = true;
  return {
      // Only writes a fresh output: its gap to memcpy is what allocating and first touching a
      // result costs, which every kernel below pays as well.
      bandwidth("zeros (fresh output)", tensor, [shape] { sg::zeros(shape); }),
      bandwidth("clone", 2 * tensor, [a] { a.clone(); }),
      add_ab,
      bandwidth("mul a * 2", 2 * tensor, [a] { sg::mul(a, 2.0f); }),
      bandwidth("exp", 2 * tensor, [a] { sg::exp(a); }),
      bandwidth("gelu", 2 * tensor, [a] { sg::gelu(a); }),
      bandwidth("relu", 2 * tensor, [a] { sg::relu(a); }),
      bandwidth("sum, last axis", tensor + per_row, [a] { sg::sum(a, {-1}); }),
      bandwidth("softmax, last axis", 2 * tensor, [a] { sg::softmax(a, -1); }),
      bandwidth("layer_norm", 2 * tensor + 2 * per_row + 2 * f32_bytes(cols),
                [a, gamma, beta] { sg::layer_norm(a, gamma, beta, 1e-5f); }),
  };
}

// A block's residual add with dropout and the layer norm after it, forward and backward, as the
// composition and as the fused kernels. Both of a pair are charged the fused kernel's bytes, so
// their GB/s compare as speeds.
std::vector<Workload> residual_norm_workloads(const Shape& shape, Generator& gen) {
  const int64_t cols = shape.back();
  const Tensor a = randn(shape, gen), b = randn(shape, gen), g = randn(shape, gen);
  const Tensor gamma = randn({cols}, gen), beta = randn({cols}, gen);
  const DropoutMask mask = reserve_dropout_mask(gen, a.numel(), 0.1f);
  const AddLayerNormOutput out = add_layer_norm(a, b, &mask, gamma, beta, 1e-5f);
  const double tensor = f32_bytes(a.numel()), per_row = f32_bytes(a.numel() / cols);
  const double forward = 4 * tensor + 2 * per_row, backward = 5 * tensor + 2 * per_row;
  return {
      bandwidth("residual add, then layer_norm", forward,
                [=] { sg::layer_norm(sg::add(a, b, mask), gamma, beta, 1e-5f); }),
      bandwidth("add_layer_norm (one pass)", forward,
                [=] { sg::add_layer_norm(a, b, &mask, gamma, beta, 1e-5f); }),
      bandwidth("their backward: layer_norm's, add, mask", backward,
                [=] {
                  const LayerNormGrads d =
                      layer_norm_backward(g, out.sum, gamma, out.norm.mean, out.norm.rstd);
                  apply_dropout_mask(sg::add(d.dx, a), mask);
                }),
      bandwidth("add_layer_norm_backward (one pass)", backward,
                [=] {
                  add_layer_norm_backward(a, g, out.sum, gamma, out.norm.mean, out.norm.rstd,
                                          &mask);
                }),
  };
}

// Would GELU pay to run in the epilogue of the FFN's first GEMM (issue 14's "bias + GELU in one
// GEMM")? An epilogue would apply it to each tile while the tile is in L1; as a pass it reads the
// GEMM's whole output back from L2 or L3. Both rows do the same count of GELUs with dropout and
// are charged the pass's bytes: if they run at the same speed, GELU is bound by its arithmetic and
// an epilogue saves nothing but the read.
std::vector<Workload> gelu_epilogue_workloads(const Shape& shape, Generator& gen) {
  const Tensor h = randn(shape, gen);
  const DropoutMask mask = reserve_dropout_mask(gen, h.numel(), 0.1f);
  const int64_t rows = 8, pieces = shape[0] / rows;  // 8 rows: the GEMM kernel's tile height
  const Tensor piece = randn({rows, shape[1]}, gen);
  const DropoutMask piece_mask = reserve_dropout_mask(gen, piece.numel(), 0.1f);
  const double bytes = 2 * f32_bytes(h.numel());
  return {
      bandwidth(fmt::format("gelu with dropout, one pass over {}", shape_str(shape)), bytes,
                [h, mask] { sg::gelu(h, mask); }),
      bandwidth(fmt::format("the same, {} pieces of {} in L1", pieces, shape_str(piece.shape())),
                bytes,
                [piece, piece_mask, pieces] {  // spread over the threads, as tiles would be
                  parallel_for(0, pieces, 1, [&](int64_t begin, int64_t end) {
                    for (int64_t i = begin; i < end; ++i) sg::gelu(piece, piece_mask);
                  });
                }),
  };
}

}  // namespace sg::bench
