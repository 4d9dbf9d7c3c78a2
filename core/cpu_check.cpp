#include "synthgrad/core/cpu_check.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

// Everything here is compiled for the x86-64 baseline (target "arch=x86-64") so that it runs on
// the CPUs it refuses; the compiler's macros still say what the rest of the build targets.
#if defined(__x86_64__)
#define SG_BASELINE [[gnu::target("arch=x86-64")]]
#define SG_REQUIRE(name, builtin_name) \
  features[count++] = {name, __builtin_cpu_supports(builtin_name) != 0}
#else
#define SG_BASELINE
#endif

namespace sg::detail {

SG_BASELINE int required_cpu_features(CpuFeature* features) {
  int count = 0;
#if defined(__x86_64__)
  __builtin_cpu_init();
#ifdef __SSE4_2__
  SG_REQUIRE("sse4_2", "sse4.2");
#endif
#ifdef __POPCNT__
  SG_REQUIRE("popcnt", "popcnt");
#endif
#ifdef __AVX__
  SG_REQUIRE("avx", "avx");
#endif
#ifdef __AVX2__
  SG_REQUIRE("avx2", "avx2");
#endif
#ifdef __FMA__
  SG_REQUIRE("fma", "fma");
#endif
#ifdef __BMI__
  SG_REQUIRE("bmi1", "bmi");
#endif
#ifdef __BMI2__
  SG_REQUIRE("bmi2", "bmi2");
#endif
#ifdef __AVX512F__
  SG_REQUIRE("avx512f", "avx512f");
#endif
#ifdef __AVX512BW__
  SG_REQUIRE("avx512bw", "avx512bw");
#endif
#ifdef __AVX512VL__
  SG_REQUIRE("avx512vl", "avx512vl");
#endif
#ifdef __AVX512DQ__
  SG_REQUIRE("avx512dq", "avx512dq");
#endif
#ifdef __AVX512CD__
  SG_REQUIRE("avx512cd", "avx512cd");
#endif
#endif
  (void)features;
  return count;
}

SG_BASELINE void missing_cpu_features_message(const CpuFeature* features, int count, char* message,
                                              size_t size) {
  char required[256] = "", missing[256] = "";
  for (int i = 0; i < count; ++i) {
    std::strncat(required, " ", sizeof required - std::strlen(required) - 1);
    std::strncat(required, features[i].name, sizeof required - std::strlen(required) - 1);
    if (features[i].present) continue;
    std::strncat(missing, " ", sizeof missing - std::strlen(missing) - 1);
    std::strncat(missing, features[i].name, sizeof missing - std::strlen(missing) - 1);
  }
  if (missing[0] == '\0') {
    message[0] = '\0';
    return;
  }
  std::snprintf(message, size,
                "synthgrad: this CPU lacks%s, which the library was compiled for (it needs%s); "
                "rebuild synthgrad on this machine, or with -DSG_ARCH=x86-64 for any x86-64 CPU",
                missing, required);
}

}  // namespace sg::detail

// Linked into every program that uses the library (core's link options name this symbol: an
// unreferenced object of a static library is otherwise left out), and run before the C++ static
// initialisers, which are compiled for the build's target.
extern "C" SG_BASELINE [[gnu::constructor(101)]] void synthgrad_check_cpu() {
  sg::detail::CpuFeature features[sg::detail::kMaxCpuFeatures];
  const int count = sg::detail::required_cpu_features(features);
  char message[768];
  sg::detail::missing_cpu_features_message(features, count, message, sizeof message);
  if (message[0] == '\0') return;
  std::fprintf(stderr, "%s\n", message);
  std::_Exit(EXIT_FAILURE);
}
