// sg_bench core: how close the core kernels come to the machine's limits. GEMM is compute-bound and
// reported in GFLOP/s; the element-wise, reduction and normalisation kernels are memory-bound and
// reported in GB/s next to a one-thread std::memcpy of the same size, the speed that a kernel
// streaming its data once should approach.
#include <fmt/format.h>

#include <chrono>

#include "bench/core_workloads.h"
#include "bench/environment.h"
#include "bench/subcommands.h"
#include "bench/table.h"
#include "bench/timing.h"
#include "synthgrad/core/parallel.h"

namespace sg::bench {

namespace {

std::string fixed(double value, int digits) {
  return fmt::format("{:.{}f}", value, digits);
}
std::string ms(double seconds) {
  return fixed(seconds * 1e3, 2);
}

void print_method(const Repeats& repeats) {
  fmt::print("\nEach row: {} warm-up calls, then the median (and min) of {} timed calls.\n",
             repeats.warmup, repeats.runs);
}

void print_gemm_table(const std::vector<Workload>& workloads, const Repeats& repeats) {
  print_heading("sgemm: C = A @ B, row-major f32, contiguous random inputs, M x N x K");
  Table table({{"call", Align::left}, {"GFLOP/s"}, {"median ms"}, {"min ms"}});
  for (const Workload& w : workloads) {
    const Timing t = time_runs(w.run, repeats);
    table.add_row({w.name, fixed(rate(w, t.median_s), 1), ms(t.median_s), ms(t.min_s)});
  }
  table.print();
}

void print_kernel_table(const Shape& shape, const Workload& limit,
                        const std::vector<Workload>& kernels, const Repeats& repeats) {
  print_heading(fmt::format("Memory-bound kernels on f32 {} ({:g} M floats), bytes read + written",
                            shape_str(shape), static_cast<double>(numel_of(shape)) / (1 << 20)));
  Table table(
      {{"kernel", Align::left}, {"MB moved"}, {"GB/s"}, {"of memcpy"}, {"median ms"}, {"min ms"}});
  const Timing limit_timing = time_runs(limit.run, repeats);
  const double limit_rate = rate(limit, limit_timing.median_s);
  auto add_result = [&](const Workload& w, const Timing& t) {
    const double r = rate(w, t.median_s);
    table.add_row({w.name, fixed(w.work_per_call / 1e6, 0), fixed(r, 1), fixed(r / limit_rate, 2),
                   ms(t.median_s), ms(t.min_s)});
  };
  add_result(limit, limit_timing);
  for (const Workload& w : kernels) add_result(w, time_runs(w.run, repeats));
  table.print();
}

std::string threads_label(int threads) {
  return threads == 1 ? "1 thread" : fmt::format("{} threads", threads);
}

double rate_with_threads(const Workload& workload, int threads, const Repeats& repeats) {
  set_num_threads(threads);
  return rate(workload, time_runs(workload.run, repeats).median_s);
}

// Ends with the thread count it started with.
void print_thread_scaling(const std::vector<const Workload*>& workloads, const Repeats& repeats) {
  const int threads = num_threads();
  print_heading("Thread scaling: 1 thread against " + threads_label(threads));
  Table table({{"workload", Align::left},
               {"unit", Align::left},
               {"1 thread"},
               {threads_label(threads)},
               {"speed-up"}});
  for (const Workload* w : workloads) {
    const double one = rate_with_threads(*w, 1, repeats);
    const double many = rate_with_threads(*w, threads, repeats);
    table.add_row(
        {w->name, std::string(w->unit), fixed(one, 1), fixed(many, 1), fixed(many / one, 2) + "x"});
  }
  table.print();
}

std::vector<const Workload*> marked_for_thread_comparison(
    const std::vector<const std::vector<Workload>*>& groups) {
  std::vector<const Workload*> result;
  for (const auto* group : groups)
    for (const Workload& w : *group)
      if (w.compare_threads) result.push_back(&w);
  return result;
}

}  // namespace

int run_core(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  const Repeats repeats = options.quick ? Repeats{1, 3} : Repeats{2, 7};
  const CoreSizes sizes = core_sizes(options.quick);
  print_environment();
  print_method(repeats);

  Generator gen(2024);
  const std::vector<Workload> gemm = gemm_workloads(sizes, gen);
  const std::vector<Workload> kernels = kernel_workloads(sizes.elementwise, gen);
  print_gemm_table(gemm, repeats);
  // Before the memory-bound kernels: on a virtual machine their storms of page faults were seen to
  // leave the second core slow for a while, which would distort the 1-against-N comparison.
  print_thread_scaling(marked_for_thread_comparison({&gemm, &kernels}), repeats);
  print_kernel_table(sizes.elementwise, memcpy_workload(sizes.elementwise), kernels, repeats);
  // At the size of a training step's residual stream (cls-small: 32 x 64 tokens, d 256), where it
  // stays in cache between the kernels.
  const Shape stream{2048, 256};
  print_kernel_table(stream, memcpy_workload(stream), residual_norm_workloads(stream, gen),
                     repeats);
  // The FFN's hidden activations in a cls-small step: 2048 tokens x 4 d.
  const Shape hidden{2048, 1024};
  print_kernel_table(hidden, memcpy_workload(hidden), gelu_epilogue_workloads(hidden, gen),
                     repeats);

  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  fmt::print("\nTotal time: {:.1f} s\n", elapsed.count());
  return 0;
}

}  // namespace sg::bench
