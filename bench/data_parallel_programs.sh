#!/usr/bin/env bash
# lm train and glue train end to end as 1 process x 2 threads and as 2 ranks x 1 thread (half the
# batch each: the same global batch), alternated for ROUNDS rounds; prints each run's tokens/s
# (median of the log's tokens_per_s from step 11 on) and wall time, their medians and the ratio.
# Usage: bench/data_parallel_programs.sh [BUILD_DIR] [DATA_DIR] [ROUNDS]
set -eu
build=${1:-build} data=${2:-../shared/data} rounds=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # as root, as on CI machines
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
  "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
tokens_per_s() { tail -n +12 "$1" | cut -d, -f5 | median; }  # from step 11 on
elapsed() { awk -v start="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", now - start }'; }

measure() {  # measure NAME BATCH ARGS...: one round of both layouts, appended to $work/NAME.*
  local name=$1 batch=$2 start
  shift 2
  rm -rf "$work/one" "$work/two"
  start=$(date +%s.%N)
  "$@" --batch-size "$batch" --threads 2 --out "$work/one" >/dev/null 2>&1
  elapsed "$start" >>"$work/$name.one.wall"
  tokens_per_s "$work/one/log.csv" >>"$work/$name.one.tps"
  start=$(date +%s.%N)
  mpirun --oversubscribe -np 2 "$@" --batch-size $((batch / 2)) --threads 1 --out "$work/two" >/dev/null 2>&1
  elapsed "$start" >>"$work/$name.two.wall"
  tokens_per_s "$work/two/log.csv" >>"$work/$name.two.tps"
}

for round in $(seq 1 "$rounds"); do
  measure lm 12 "$build/examples/lm" train --text "$data/lm/tinyshakespeare.txt" --steps 300 \
    --eval-every 1000 --eval-batches 2
  measure sst2 32 "$build/examples/glue" train --task SST-2 --data "$data/glue/SST-2" --max-steps 200 \
    --epochs 1
done
printf '%-6s %-34s %-34s %s\n' program "1 x 2 threads: tokens/s (wall s)" "2 x 1 thread: tokens/s (wall s)" "ratio of median tokens/s"
for name in lm sst2; do
  one=$(median <"$work/$name.one.tps") two=$(median <"$work/$name.two.tps")
  printf '%-6s %-34s %-34s %.2fx\n' "$name" \
    "$(paste -sd/ "$work/$name.one.tps") ($(median <"$work/$name.one.wall"))" \
    "$(paste -sd/ "$work/$name.two.tps") ($(median <"$work/$name.two.wall"))" \
    "$(awk -v a="$two" -v b="$one" 'BEGIN { print a / b }')"
done
