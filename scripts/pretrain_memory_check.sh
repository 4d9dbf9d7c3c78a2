#!/usr/bin/env bash
# Checks that pre-training streams a corpus much larger than memory (issue 12): writes a ~2 GB
# text file in /tmp from the Gutenberg books (repeated), pre-trains on it with the default model
# for a few hundred steps, and reports the peak resident memory, which must stay under 1 GB, and
# the time. The file is deleted afterwards. Takes several minutes and 2 GB of disk: not for CI.
# Usage: scripts/pretrain_memory_check.sh [PRETRAIN_BINARY] [STEPS] [BOOKS_FOLDER]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pretrain=${1:-$root/build/examples/pretrain}
steps=${2:-300}
books=${3:-$root/../shared/data/lm/gutenberg-books}
limit_kb=$((1024 * 1024))
target_bytes=$((2000 * 1000 * 1000))

work=$(mktemp -d /tmp/pretrain_memory_XXXXXX)
trap 'rm -rf "$work"' EXIT
corpus=$work/corpus.txt
echo "writing a $((target_bytes / 1000000)) MB corpus to $corpus from $books"
while [ "$(stat -c %s "$corpus" 2>/dev/null || echo 0)" -lt "$target_bytes" ]; do
  cat "$books"/*.txt >>"$corpus"
done
echo "corpus: $(stat -c %s "$corpus") bytes"

started=$(date +%s)
/usr/bin/time -f "%M" -o "$work/peak_kb" "$pretrain" train --corpus "$corpus" --out "$work/run" \
  --steps "$steps" --eval-every 100 --eval-batches 5 --threads 2 >"$work/out" 2>"$work/err" ||
  { echo "pretrain failed:"; tail -5 "$work/err"; exit 1; }
seconds=$(($(date +%s) - started))
peak_kb=$(tail -1 "$work/peak_kb")
grep "corpus:" "$work/err" || true
tail -1 "$work/out"
head -1 "$work/out"
echo "peak resident memory: $((peak_kb / 1024)) MB (limit $((limit_kb / 1024)) MB), $steps steps in $seconds s"
[ "$peak_kb" -lt "$limit_kb" ] || { echo "FAIL: peak resident memory over the limit"; exit 1; }
echo "ok"
