#pragma once
// SG_ALSO_FOR_AVX512 before a function compiles it twice, for the build's target (x86-64-v3: AVX2)
// and for x86-64-v4 (AVX-512), and the CPU picks its copy when the program loads (GCC's
// target_clones). For the few hot loops that run twice as fast on 16 lanes as on 8; both copies do
// the same arithmetic in the same order, so they give the same bits, provided the build's target
// has FMA as x86-64-v4 does (a build for an older level would contract a * b + c in one copy and
// not the other: no clones there). Not under ThreadSanitizer, whose runtime does not resolve the
// clones, nor with clang.
#include "synthgrad/core/parallel.h"  // SG_TSAN

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__FMA__) && \
    !defined(SG_TSAN)
#define SG_ALSO_FOR_AVX512 __attribute__((target_clones("arch=x86-64-v4", "default")))
#else
#define SG_ALSO_FOR_AVX512
#endif
