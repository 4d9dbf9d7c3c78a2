#include "bench/environment.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "bench/table.h"
#include "synthgrad/core/blas.h"
#include "synthgrad/core/parallel.h"

namespace sg::bench {

namespace {

// OpenBLAS reads this at load time to override its CPU detection, which can pick slow generic
// kernels on CPUs newer than the library.
std::string openblas_coretype() {
  const char* value = std::getenv("OPENBLAS_CORETYPE");
  return value != nullptr ? value : "unset";
}

// The CPU's model name, as the kernel reports it: figures are only comparable on the same model.
std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

}  // namespace

void print_environment() {
  print_heading("Environment");
  Table table({{"setting", Align::left}, {"value", Align::left}});
  table.add_row({"CPU", cpu_model()});
  table.add_row({"BLAS configuration", blas_config()});
  table.add_row({"GEMM in use", gemm_backend_name()});
  table.add_row({"BLAS core in use", blas_core_name()});
  table.add_row({"OPENBLAS_CORETYPE", openblas_coretype()});
  table.add_row({"threads", std::to_string(num_threads())});
  table.print();
}

}  // namespace sg::bench
