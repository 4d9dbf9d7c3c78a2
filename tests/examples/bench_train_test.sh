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

# refused DESCRIPTION TEXT ARGS...: `sg_bench train ARGS` exits 2 before measuring anything, with
# one line on stderr that holds TEXT.
refused() {
  local description=$1 text=$2
  shift 2
  check "$description" 2 "$bench" train "$@"
  grep -qF -- "$text" "$work/err" || fail "$description: the error does not say \"$text\""
  [ "$(wc -l <"$work/err")" -eq 1 ] || fail "$description: the error is not one line"
  [ -s "$work/out" ] && fail "$description: a rejected run printed measurements"
}
number="expects a whole number of at least 1, got"
refused "--steps not a number" "--steps $number 'abc'" --python none --configs long-2k@8 --steps abc
refused "--steps 0" "--steps $number '0'" --python none --configs long-2k@8 --steps 0
refused "--steps negative" "--steps $number '-3'" --python none --configs long-2k@8 --steps -3
refused "--rounds not a number" "--rounds $number 'x'" --python none --configs long-2k@8 --rounds x
refused "--rounds 0" "--rounds $number '0'" --python none --configs long-2k@8 --rounds 0
refused "--threads 0" "--threads $number '0'" --python none --configs long-2k@8 --threads 0
refused "--one with --steps abc" "--steps $number 'abc'" --one long-2k@8:V --steps abc
refused "a length of 0" "--lengths $number '0'" --python none --configs long-2k --lengths 0
refused "an unknown variant" "--variants: attention variant 'Q': unknown part 'Q' (expected V, D" \
  --python none --configs long-2k@8 --variants V,Q
refused "an unknown configuration among known ones" "--configs: unknown configuration 'nope' (cls-small" \
  --python none --configs long-2k@8,nope
refused "an empty variant list" "--variants lists no variant" --python none --variants ,
refused "--one with an unknown variant" "--one: attention variant 'Q'" --one long-2k@8:Q
refused "--one with an unknown configuration" "--one: unknown configuration 'nope'" --one nope:V
refused "--one without a variant" "--one expects CONFIG:VARIANT, got 'long-2k'" --one long-2k
refused "a --python that does not exist" "--python '$work/no-python': no program by that name" \
  --python "$work/no-python" --configs long-2k@8
# A child process that fails is reported with its exit code or signal, not a raw wait status.
check "a --python that fails" 1 "$bench" train --quick --python /bin/false --configs long-2k@8 --variants V
grep -q "failed, exit code 1" "$work/err" || fail "the failed child's exit code is not given"
printf '#!/bin/sh\nkill -9 $$\n' >"$work/killed-python" && chmod +x "$work/killed-python"
check "a --python that is killed" 1 "$bench" train --quick --python "$work/killed-python" --configs long-2k@8 --variants V
grep -q "killed by signal 9" "$work/err" || fail "the killed child's signal is not given"
# What the child said on stderr is shown with its failure (a python without torch says so there).
printf '#!/bin/sh\necho "no module named torch" >&2\nexit 3\n' >"$work/torchless-python" && chmod +x "$work/torchless-python"
check "a --python that fails saying why" 1 "$bench" train --quick --python "$work/torchless-python" --configs long-2k@8 --variants V
grep -q "failed, exit code 3" "$work/err" && grep -q "no module named torch" "$work/err" ||
  fail "the failed child's stderr is not shown: $(cat "$work/err")"
check "--help" 0 "$bench" --help
grep -q -- "--one C:V" "$work/out" || fail "--help does not document --one"
finish
