// The load-time check that the CPU has what the library was compiled for (core/cpu_check.h).
#include <doctest/doctest.h>

#include <string>

#include "synthgrad/core/cpu_check.h"

using namespace sg::detail;

namespace {

std::string message_for(const CpuFeature* features, int count) {
  char message[768];
  missing_cpu_features_message(features, count, message, sizeof message);
  return message;
}

}  // namespace

TEST_CASE("cpu check: the features the build targets are required, and this CPU has them") {
  CpuFeature features[kMaxCpuFeatures];
  const int count = required_cpu_features(features);
  std::string names;
  for (int i = 0; i < count; ++i) {
    names += std::string(" ") + features[i].name;
    CHECK(features[i].present);
  }
#ifdef __AVX2__
  CHECK(names.find(" avx2") != std::string::npos);
#endif
#ifdef __FMA__
  CHECK(names.find(" fma") != std::string::npos);
#endif
  CHECK(message_for(features, count).empty());
}

TEST_CASE("cpu check: a CPU without a required feature is told which, and how to rebuild") {
  const CpuFeature features[] = {{"avx", true}, {"avx2", false}, {"fma", false}};
  const std::string message = message_for(features, 3);
  CHECK(message.find("this CPU lacks avx2 fma,") != std::string::npos);
  CHECK(message.find("it needs avx avx2 fma") != std::string::npos);
  CHECK(message.find("-DSG_ARCH=x86-64") != std::string::npos);
}

TEST_CASE("cpu check: a long message is cut to the buffer, never past it") {
  const CpuFeature features[] = {{"avx2", false}};
  char message[16];
  message[15] = 'x';
  missing_cpu_features_message(features, 1, message, sizeof message);
  CHECK(std::string(message) == std::string("synthgrad: this"));
}
