#pragma once
// The check that the CPU has every instruction set the library was compiled for (the x86-64 level
// of SG_ARCH, or all of the building machine's with SG_NATIVE). It runs when a program using the
// library starts, before any other initialiser: a CPU that lacks one gets a message naming what is
// missing and exit code 1, not an illegal instruction at some later point.
//
// Plain C types only: these functions are compiled for the x86-64 baseline, and a standard library
// template instantiated here would be compiled for the build's target.
#include <cstddef>

namespace sg::detail {

struct CpuFeature {
  const char* name;  // as /proc/cpuinfo spells it
  bool present;
};

constexpr int kMaxCpuFeatures = 16;

// Fills `features` (room for kMaxCpuFeatures) with those the build requires, each with whether
// this CPU has it, and returns their number.
int required_cpu_features(CpuFeature* features);

// Writes into `message` (of `size` bytes) what a CPU without some of `features` is told, or ""
// when it has them all.
void missing_cpu_features_message(const CpuFeature* features, int count, char* message,
                                  size_t size);

}  // namespace sg::detail
