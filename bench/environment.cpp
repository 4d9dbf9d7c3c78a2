#include "bench/environment.h"

#include <fmt/format.h>

#include <charconv>
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

// The micro-architecture of a few CPUs this project is measured on, from the family and model
// numbers: virtual machines often report a bare "AMD EPYC", which hides whether 512-bit
// instructions run at full width (Zen 5) or as two 256-bit halves (Zen 4).
std::string micro_architecture(const std::string& vendor, int family, int model) {
  if (vendor == "AuthenticAMD" && family == 25)
    return model >= 0x10 && model <= 0x1f ? "Zen 4" : model >= 0x60 ? "Zen 4" : "Zen 3";
  if (vendor == "AuthenticAMD" && family == 26) return "Zen 5";
  if (vendor == "GenuineIntel" && family == 6 && (model == 106 || model == 108)) return "Ice Lake";
  if (vendor == "GenuineIntel" && family == 6 && model == 143) return "Sapphire Rapids";
  return "";
}

// The CPU's model name, as the kernel reports it, with its family and model numbers: figures are
// only comparable on the same model.
std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string name = "unknown", vendor;
  int family = -1, model = -1;
  // "key\t: value"; a line without a value gives "", a number that does not parse gives -1.
  const auto value = [](const std::string& line) {
    const auto colon = line.find(": ");
    return colon == std::string::npos ? std::string() : line.substr(colon + 2);
  };
  const auto number = [&](const std::string& line) {
    const std::string text = value(line);
    int n = -1;
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n;
  };
  for (std::string line; std::getline(cpuinfo, line) && !line.empty();) {
    if (line.rfind("model name", 0) == 0) name = value(line);
    if (line.rfind("vendor_id", 0) == 0) vendor = value(line);
    if (line.rfind("cpu family", 0) == 0) family = number(line);
    if (line.rfind("model\t", 0) == 0) model = number(line);
  }
  if (family < 0 || model < 0) return name;
  const std::string arch = micro_architecture(vendor, family, model);
  return fmt::format("{} (family {}, model {}{}{})", name, family, model, arch.empty() ? "" : ": ",
                     arch);
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
