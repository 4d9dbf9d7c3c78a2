#!/usr/bin/env bash
# Built with clang (as scripts/fuzz.sh): the whole test suite under AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan/), then the threaded tests under ThreadSanitizer
# (build-tsan/): the thread pool and bit-identical results across thread counts, the GEMM kernels,
# training and the shared training loop. Any report fails the run.
# `replay` (part of the README's test command, so CI runs it) builds only the fuzz harnesses'
# loaders under ASan+UBSan and replays the seed corpora of tests/fuzz/corpus there.
# Usage: scripts/sanitize.sh [asan|tsan|replay]... (asan and tsan by default); extra ctest arguments go in
# SG_CTEST_ARGS. Prints the time each part took.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages "${base_packages[@]}" "${clang_packages[@]}"

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(asan tsan)
# The sanitizers see through only the code they compiled: OpenBLAS's own threads would be invisible
# to TSan (their synchronisation too, so it would report races that are none). One BLAS thread.
export OPENBLAS_NUM_THREADS=1
ctest_args=(--output-on-failure --no-tests=error -j "$(nproc)" --timeout 1200 ${SG_CTEST_ARGS:-})

build() {  # build DIR SANITIZERS TARGET...
  local dir=$1 sanitizers=$2
  shift 2
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DSG_SANITIZE="$sanitizers" >/dev/null
  cmake --build "$dir" -j "$(nproc)" ${1:+--target "$@"}
}

for part in "${parts[@]}"; do
  start=$SECONDS
  case $part in
    asan)
      build build-asan address,undefined
      (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
         UBSAN_OPTIONS=print_stacktrace=1 ctest "${ctest_args[@]}")
      ;;
    replay)
      build build-asan address,undefined replay_safetensors replay_model_config replay_vocabulary \
        replay_sentencepiece replay_text_corpus replay_glue_tsv
      (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
         UBSAN_OPTIONS=print_stacktrace=1 ctest "${ctest_args[@]}" -R 'fuzz corpus replay')
      ;;
    tsan)
      build build-tsan thread test_core test_nn test_examples
      # TSan maps its shadow memory at fixed addresses, which the kernel's randomised mmap layout
      # (vm.mmap_rnd_bits above 28) can collide with: setarch -R runs the tests without it.
      # Debian's oneTBB is not instrumented: TSan builds run parallel_for on plain threads
      # (core/parallel.h), so no suppressions are needed.
      (cd build-tsan && TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
         setarch "$(uname -m)" -R ctest "${ctest_args[@]}" \
           -R 'test_core:.*(thread|bit-identical|gemm|matmul)|test_nn:.*(train|learns|reaches|seed)|test_examples')
      ;;
    *) echo "sanitize: unknown part '$part' (asan, tsan or replay)" >&2; exit 2 ;;
  esac
  echo "sanitize: $part passed in $((SECONDS - start)) s"
done
