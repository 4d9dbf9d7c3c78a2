// sg_bench train: synthgrad against PyTorch on the same models, each measurement in a fresh process
// (so that peak memory is its own), synthgrad and PyTorch alternating round by round so that both
// see the same machine load. Prints step times, tokens/s, the ratio, achieved GFLOP/s against the
// sgemm rate of this run, peak memory, thread scaling and batch-1 inference latency.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <utility>

#include "bench/environment.h"
#include "bench/subcommands.h"
#include "bench/table.h"
#include "bench/timing.h"
#include "bench/train_configs.h"
#include "bench/train_measure.h"
#include "synthgrad/core/core.h"
#include "synthgrad/distributed/communicator.h"
#include "synthgrad/nn/attention/config.h"

namespace sg::bench {

namespace {

std::vector<std::string> split_list(const std::string& text, char separator = ',') {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, separator);)
    if (!item.empty()) out.push_back(item);
  return out;
}

// A wait status from pclose in words. The shell that popen starts exits 127 when it cannot run
// the command, and 128 + S when the command was killed by signal S.
std::string describe_status(int status) {
  if (WIFSIGNALED(status))
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (!WIFEXITED(status)) return fmt::format("wait status {}", status);
  const int code = WEXITSTATUS(status);
  if (code == 127) return "exit code 127: the shell could not run the program";
  if (code > 128)
    return fmt::format("exit code {}: killed by signal {} ({})", code, code - 128,
                       strsignal(code - 128));
  return fmt::format("exit code {}", code);
}

// The last lines of a file: what a failed child said last on stderr (its reason, usually).
std::string last_lines(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto first = lines.end() - static_cast<std::ptrdiff_t>(std::min(count, lines.size()));
  return fmt::format("{}", fmt::join(first, lines.end(), "\n"));
}

// Runs a shell command and parses the last line of its output that is a JSON object.
nlohmann::json run_json(const std::string& command) {
  // Its stderr (progress, warnings) is kept aside and shown only when it fails.
  std::string stderr_path = (std::filesystem::temp_directory_path() / "sg_bench_XXXXXX").string();
  const int stderr_file = mkstemp(stderr_path.data());
  if (stderr_file == -1) throw std::runtime_error("cannot make a file for a child's stderr");
  close(stderr_file);
  std::FILE* pipe = popen((command + " 2>'" + stderr_path + "'").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  const std::string said = last_lines(stderr_path, 5);
  std::filesystem::remove(stderr_path);
  if (status == -1) throw std::runtime_error(fmt::format("'{}': no exit status", command));
  if (status != 0)
    throw std::runtime_error(fmt::format("'{}' failed, {}{}{}{}", command, describe_status(status),
                                         output.empty() ? "" : ": ", output,
                                         said.empty() ? "" : "\n" + said));
  const auto start = output.rfind("\n{", output.size() - 2);
  const std::string line = output.substr(start == std::string::npos ? 0 : start + 1);
  if (line.empty() || line[0] != '{')
    throw std::runtime_error(fmt::format("'{}' printed no JSON line, only: {}", command, output));
  return nlohmann::json::parse(line);
}

// Whether the shell can run `program`: an executable file at that path or, without a '/', in a
// folder of PATH.
bool runnable(const std::string& program) {
  const auto executable = [](const std::filesystem::path& file) {
    std::error_code error;
    return std::filesystem::is_regular_file(file, error) && access(file.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) return executable(program);
  const char* path = std::getenv("PATH");
  for (const std::string& folder : split_list(path == nullptr ? "" : path, ':'))
    if (executable(std::filesystem::path(folder) / program)) return true;
  return false;
}

// An attention variant that the models know, else a UsageError naming `flag` and the choices.
void check_variant(std::string_view flag, const std::string& variant) {
  try {
    nn::parse_variant(variant);
  } catch (const Error& e) {
    throw UsageError(fmt::format("{}: {}", flag, e.what()));
  }
}

struct Settings {
  std::string self, python, script;
  int steps;
};

struct TorchThreads {
  int intra_op, blas;
  std::string label() const { return fmt::format("{} intra-op / {} BLAS", intra_op, blas); }
};

nlohmann::json synthgrad(const Settings& s, const std::string& config, const std::string& variant,
                         int threads) {
  return run_json(fmt::format("{} train --one '{}:{}' --threads {} --steps {}", s.self, config,
                              variant, threads, s.steps));
}

nlohmann::json pytorch(const Settings& s, const std::string& config, const std::string& variant,
                       TorchThreads t) {
  return run_json(
      fmt::format("OPENBLAS_NUM_THREADS={} OMP_NUM_THREADS={} {} {} --config {} --variant '{}' "
                  "--threads {} --steps {}",
                  t.blas, t.intra_op, s.python, s.script, config, variant, t.intra_op, s.steps));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// PyTorch's fastest thread setting on this machine, tried on one configuration: every setting once
// per round, settings alternating, the median of each over the rounds.
TorchThreads fastest_torch_threads(const Settings& s, const std::string& config, int cores,
                                   int rounds) {
  std::vector<TorchThreads> settings;
  for (int intra = 1; intra <= cores; ++intra)
    for (int blas = 1; blas <= cores; ++blas) settings.push_back({intra, blas});
  std::vector<std::vector<double>> times(settings.size());
  for (int r = 0; r < rounds; ++r)
    for (size_t i = 0; i < settings.size(); ++i)
      times[i].push_back(pytorch(s, config, "V", settings[i])["step_seconds"].get<double>());
  size_t best = 0;
  for (size_t i = 0; i < settings.size(); ++i) {
    fmt::print("  PyTorch on {} with {} intra-op and {} OpenBLAS threads: {:.1f} ms per step\n",
               config, settings[i].intra_op, settings[i].blas, median(times[i]) * 1e3);
    if (median(times[i]) < median(times[best])) best = i;
  }
  return settings[best];
}

// The rate of one of the step's own products (an FFN layer's), with the GEMM backend in use and
// with OpenBLAS, their calls alternating so that both see the same machine load (timed one after
// the other on a shared machine, a neighbour's burst once put OpenBLAS 23% ahead where alternated
// runs had the two within 5%). Returns {in use, OpenBLAS}, each the median of 7 rounds.
std::pair<double, double> sgemm_gflops() {
  Generator gen(0);
  const Tensor a = randn({2048, 256}, gen), b = randn({256, 1024}, gen);
  const GemmBackend backends[2] = {gemm_backend(), GemmBackend::openblas};
  std::vector<double> seconds[2];
  for (int round = 0; round < 7; ++round)
    for (int i = 0; i < 2; ++i) {
      const ScopedGemmBackend scope(backends[i]);
      const Repeats repeats{.warmup = round == 0 ? 2 : 0, .runs = 3};
      seconds[i].push_back(time_runs([&] { matmul(a, b); }, repeats).median_s);
    }
  const double flops = 2.0 * 2048 * 256 * 1024;
  return {flops / median(seconds[0]) / 1e9, flops / median(seconds[1]) / 1e9};
}

std::string fixed(double v, int digits) {
  return fmt::format("{:.{}f}", v, digits);
}

// The runs of one configuration and variant: at the benchmark's thread count, and (when `scaled`)
// at one thread, for each side.
struct Measured {
  std::string config, variant;
  bool scaled;
  std::vector<nlohmann::json> synthgrad, pytorch, synthgrad_1, pytorch_1;
};

// The median of one field over runs, NaN when there were none (PyTorch skipped).
double median_of(const std::vector<nlohmann::json>& runs, const char* field) {
  if (runs.empty()) return NAN;
  std::vector<double> values;
  for (const auto& run : runs) values.push_back(run[field].get<double>());
  return median(values);
}

std::string ratio(double v) {
  return std::isnan(v) ? "-" : fixed(v, 2) + "x";
}

// The lowest and highest of the rounds' PyTorch / synthgrad ratios of one field: each round's
// two runs saw the same moment of the machine, so the spread shows how far its noise moves a
// ratio. "-" without PyTorch or with a single round.
std::string ratio_range(const std::vector<nlohmann::json>& synthgrad,
                        const std::vector<nlohmann::json>& pytorch, const char* field) {
  const size_t rounds = std::min(synthgrad.size(), pytorch.size());
  if (rounds < 2) return "-";
  std::vector<double> ratios;
  for (size_t r = 0; r < rounds; ++r)
    ratios.push_back(pytorch[r][field].get<double>() / synthgrad[r][field].get<double>());
  if (!std::all_of(ratios.begin(), ratios.end(), [](double r) { return std::isfinite(r); }))
    return "-";
  const auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
  return fixed(*low, 2) + "-" + ratio(*high);
}

void print_step_table(const std::vector<Measured>& results, double sgemm) {
  Table table({{"config", Align::left},
               {"variant", Align::left},
               {"synthgrad ms"},
               {"tokens/s"},
               {"PyTorch ms"},
               {"tokens/s "},
               {"speed-up"},
               {"rounds' range"},
               {"GFLOP/step"},
               {"GFLOP/s"},
               {"of sgemm"},
               {"synthgrad MB"},
               {"PyTorch MB"},
               {"params"}});
  for (const Measured& m : results) {
    const TrainConfig tc = train_config(m.config);
    const double tokens = static_cast<double>(tc.batch * tc.length);
    const double sg_s = median_of(m.synthgrad, "step_seconds");
    const double torch_s = median_of(m.pytorch, "step_seconds");
    const double flops = flops_per_step(tc, m.variant);
    const nlohmann::json& sg = m.synthgrad.back();
    table.add_row({m.config, m.variant, fixed(sg_s * 1e3, 1), fixed(tokens / sg_s, 0),
                   fixed(torch_s * 1e3, 1), fixed(tokens / torch_s, 0), ratio(torch_s / sg_s),
                   ratio_range(m.synthgrad, m.pytorch, "step_seconds"), fixed(flops / 1e9, 2),
                   fixed(flops / sg_s / 1e9, 1), fixed(100 * flops / sg_s / 1e9 / sgemm, 0) + "%",
                   fixed(median_of(m.synthgrad, "peak_rss_mb"), 0),
                   fixed(median_of(m.pytorch, "peak_rss_mb"), 0),
                   std::to_string(sg["parameters"].get<int64_t>())});
    if (!m.pytorch.empty() && sg["parameters"] != m.pytorch.back()["parameters"])
      fmt::print("  warning: {} {} has {} parameters in synthgrad, {} in PyTorch\n", m.config,
                 m.variant, sg["parameters"].dump(), m.pytorch.back()["parameters"].dump());
  }
  table.print();
}

void print_scaling_table(const std::vector<Measured>& results) {
  Table table({{"config", Align::left},
               {"variant", Align::left},
               {"synthgrad 1 thread ms"},
               {"scaling"},
               {"PyTorch 1 thread ms"},
               {"speed-up at 1 thread"},
               {"rounds' range"}});
  for (const Measured& m : results) {
    if (!m.scaled) continue;
    const double sg1 = median_of(m.synthgrad_1, "step_seconds");
    const double torch1 = median_of(m.pytorch_1, "step_seconds");
    table.add_row({m.config, m.variant, fixed(sg1 * 1e3, 1),
                   ratio(sg1 / median_of(m.synthgrad, "step_seconds")), fixed(torch1 * 1e3, 1),
                   ratio(torch1 / sg1), ratio_range(m.synthgrad_1, m.pytorch_1, "step_seconds")});
  }
  table.print();
}

void print_latency_table(const std::vector<Measured>& results) {
  Table table({{"config", Align::left},
               {"variant", Align::left},
               {"tokens"},
               {"synthgrad ms"},
               {"PyTorch ms"},
               {"speed-up"},
               {"rounds' range"}});
  for (const Measured& m : results) {
    const double sg = median_of(m.synthgrad, "inference_seconds");
    const double torch = median_of(m.pytorch, "inference_seconds");
    table.add_row({m.config, m.variant, std::to_string(train_config(m.config).length),
                   fixed(sg * 1e3, 2), fixed(torch * 1e3, 2), ratio(torch / sg),
                   ratio_range(m.synthgrad, m.pytorch, "inference_seconds")});
  }
  table.print();
}

// A configuration that the benchmark knows, else a UsageError naming `flag` and the choices.
TrainConfig checked_config(std::string_view flag, const std::string& name) {
  try {
    return train_config(name);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", flag, e.what()));
  }
}

// `--one CONFIG:VARIANT`: one measurement in this process, printed as a JSON line.
int run_one(const std::string& one, int steps) {
  const auto colon = one.find(':');
  if (colon == std::string::npos)
    throw UsageError(fmt::format("--one expects CONFIG:VARIANT, got '{}'", one));
  const TrainConfig config = checked_config("--one", one.substr(0, colon));
  const std::string variant = one.substr(colon + 1);
  check_variant("--one", variant);
  const std::string line = measure_synthgrad(config, variant, steps);
  if (distributed::Communicator::world().is_root()) fmt::print("{}\n", line);
  return 0;
}

// The flags of a table run, all checked before any measuring: a typo in one of them must not
// surface minutes later as the failure of a child process.
struct TrainPlan {
  std::vector<std::string> configs, variants;
  int rounds;
  std::string python;
};

// --configs, each at every length of --lengths when that is given.
std::vector<std::string> configs_at_lengths(const Options& options) {
  const auto configs = split_list(options.value("--configs", "cls-small,lm-char,long"));
  const auto lengths = split_list(options.value("--lengths", ""));
  for (const auto& length : lengths) parse_positive("--lengths", length);
  if (lengths.empty()) return configs;
  std::vector<std::string> at_lengths;
  for (const auto& c : configs)
    for (const auto& length : lengths) at_lengths.push_back(c + "@" + length);
  return at_lengths;
}

TrainPlan checked_plan(const Options& options) {
  TrainPlan plan{configs_at_lengths(options),
                 split_list(options.value("--variants", "V,R,Rfix,FR,D,FD,R+V,D+V")),
                 options.positive("--rounds", options.quick ? 1 : 3),
                 options.value("--python", "/usr/bin/python3")};
  if (plan.configs.empty()) throw UsageError("--configs lists no configuration");
  if (plan.variants.empty()) throw UsageError("--variants lists no variant");
  for (const auto& c : plan.configs) checked_config("--configs", c);
  for (const auto& v : plan.variants) check_variant("--variants", v);
  if (plan.python != "none" && !runnable(plan.python))
    throw UsageError(fmt::format(
        "--python '{}': no program by that name can be run (give a python3 with torch, or 'none')",
        plan.python));
  return plan;
}

}  // namespace

int run_train(const Options& options) {
  const int steps = options.positive("--steps", options.quick ? 2 : 8);
  if (const std::string one = options.value("--one", ""); !one.empty()) return run_one(one, steps);
  const auto [configs, variants, rounds, python] = checked_plan(options);
  // The path of this program: "/proc/self/exe" would name the shell that popen starts.
  const Settings s{std::filesystem::read_symlink("/proc/self/exe").string(), python,
                   SG_BENCH_DIR "/torch_reference.py", steps};
  const bool with_torch = s.python != "none";
  const int threads = num_threads();
  print_environment();

  const auto [sgemm_start, openblas_start] = sgemm_gflops();
  TorchThreads torch_threads{threads, threads};
  if (with_torch) {
    print_heading("PyTorch thread settings (the fastest is used below)");
    torch_threads = fastest_torch_threads(s, configs.front(), threads, rounds);
    fmt::print("  fastest: {}\n", torch_threads.label());
  }

  // Every figure of one configuration is taken round by round, the two sides and the thread
  // counts alternating, so that each ratio compares runs that saw the same machine load.
  std::vector<Measured> results;
  for (const auto& config : configs)
    for (const auto& variant : variants) {
      const bool scaled = threads > 1 && (config == "cls-small" || config == "lm-char") &&
                          (variant == "V" || variant == "R+V");
      Measured m{config, variant, scaled, {}, {}, {}, {}};
      for (int r = 0; r < rounds; ++r) {
        // Progress on stderr: the tables come at the end, and a full run takes half an hour.
        fmt::print(stderr, "measuring {} {}, round {} of {}\n", config, variant, r + 1, rounds);
        m.synthgrad.push_back(synthgrad(s, config, variant, threads));
        if (with_torch) m.pytorch.push_back(pytorch(s, config, variant, torch_threads));
        if (!scaled) continue;
        m.synthgrad_1.push_back(synthgrad(s, config, variant, 1));
        if (with_torch) m.pytorch_1.push_back(pytorch(s, config, variant, {1, 1}));
      }
      results.push_back(std::move(m));
    }
  // The limit is the better of two sgemm measurements, before and after: a loaded moment during
  // one of them would otherwise flatter the percentages.
  const auto [sgemm_end, openblas_end] = sgemm_gflops();
  const double sgemm = std::max(sgemm_start, sgemm_end);
  fmt::print(
      "\nsgemm 2048x256x1024 in this run: {:.1f} GFLOP/s with {} (the limit for the GFLOP/s "
      "column)\n",
      sgemm, gemm_backend_name());
  if (gemm_backend() != GemmBackend::openblas)
    fmt::print("  the same product with OpenBLAS {}: {:.1f} GFLOP/s\n", blas_core_name(),
               std::max(openblas_start, openblas_end));
  print_heading(fmt::format("One training step, synthgrad at {} threads, PyTorch at {}", threads,
                            with_torch ? torch_threads.label() : "(skipped)"));
  print_step_table(results, sgemm);
  if (threads > 1) {
    print_heading("Thread scaling (V and R+V): one thread against the setting above");
    print_scaling_table(results);
  }
  print_heading(fmt::format("Inference latency: one sequence (batch 1), {} threads", threads));
  print_latency_table(results);
  return 0;
}

}  // namespace sg::bench
