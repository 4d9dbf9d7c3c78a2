#!/usr/bin/env bash
# Fuzzes every loader harness of tests/fuzz for SECONDS each (default 600), one after another, with
# libFuzzer under ASan+UBSan. Usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
# Builds with clang into build-fuzz/ (installing clang and libFuzzer if missing). The seed corpora in
# tests/fuzz/corpus/ stay as they are: what the fuzzer adds goes to build-fuzz/corpus/<harness>/,
# each run's output to build-fuzz/logs/<harness>.log and a crashing input to build-fuzz/findings/.
# Exits 1 when any harness found something.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages "${base_packages[@]}" "${clang_packages[@]}"

seconds=${1:-600}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(safetensors model_config vocabulary sentencepiece text_corpus glue_tsv)

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DSG_FUZZ=ON -DSG_SANITIZE=address,undefined >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${harnesses[@]/#/fuzz_}"

mkdir -p build-fuzz/logs build-fuzz/findings
status=0
for h in "${harnesses[@]}"; do
  mkdir -p "build-fuzz/corpus/$h"
  log="build-fuzz/logs/$h.log"
  start=$SECONDS
  if build-fuzz/tests/fuzz/fuzz_"$h" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$h-" \
       "build-fuzz/corpus/$h" "tests/fuzz/corpus/$h" >"$log" 2>&1; then
    result="no finding"
  else
    result="FINDING (see $log and build-fuzz/findings/)"
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz $h: ${execs:-?} executions in $((SECONDS - start)) s: $result"
done
exit $status
