#!/usr/bin/env bash
# sg_bench train runs end to end (synthgrad's side only: PyTorch is not a test dependency) on a
# configuration cut short with NAME@LENGTH and with --lengths, and rejects bad names and lengths
# with exit status 2 before measuring anything. Usage: bench_train_test.sh SG_BENCH_BINARY
set -u
bench=$1
source "$(dirname "$0")/checks.sh"

check "train on long-2k@64, V and R" 0 "$bench" train --quick --python none --configs long-2k@64 --variants V,R
for row in "long-2k@64  *V " "long-2k@64  *R "; do
  grep -q "$row" "$work/out" || fail "no row '$row' in the step table"
done
check "train over --lengths" 0 "$bench" train --quick --python none --configs long-2k --lengths 32,48 --variants V
grep -q "long-2k@48" "$work/out" || fail "--lengths 32,48 gave no long-2k@48 row"
check "an unknown configuration" 2 "$bench" train --python none --configs nope
grep -q "unknown configuration 'nope'" "$work/err" || fail "the error does not name the configuration"
check "a length above the configuration's" 2 "$bench" train --python none --configs long@513
grep -q "long@513': the length after '@' must be 1 to 512" "$work/err" || fail "the error does not give the range"
check "a length that is not a number" 2 "$bench" train --python none --configs long-2k --lengths 64x
[ -s "$work/out" ] && fail "a rejected run printed measurements"
finish
