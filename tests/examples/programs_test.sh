#!/usr/bin/env bash
# End-to-end checks of the example programs on a tiny task written here: exit codes for bad input,
# training, prediction, and a run stopped half-way and resumed that ends bit-identical to an
# uninterrupted one. Usage: programs_test.sh GLUE_BINARY LM_BINARY
set -u
glue=$1 lm=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check DESCRIPTION EXPECTED_STATUS COMMAND...
  local description=$1 expected=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local status=$?
  if [ "$status" -ne "$expected" ]; then
    echo "FAIL: $description: exit $status, expected $expected"; cat "$work/err"; failures=$((failures + 1))
  else
    echo "ok: $description"
  fi
}

mkdir -p "$work/task"
{
  echo -e "sentence\tlabel"
  for i in $(seq 1 40); do echo -e "a red apple number $i\tfruit"; echo -e "a fast car number $i\tvehicle"; done
} >"$work/task/train.tsv"
{ echo -e "sentence\tlabel"; echo -e "a red apple\tfruit"; echo -e "a fast car\tvehicle"; } >"$work/task/dev.tsv"
{ echo -e "index\tsentence"; echo -e "0\ta red apple"; echo -e "1\ta fast car"; } >"$work/task/test.tsv"
tiny=(--task toy --data "$work/task" --dim 16 --heads 2 --layers 1 --max-length 8 --batch-size 8 --attention R+V)

check "glue without a subcommand" 2 "$glue"
check "glue with an unknown flag" 2 "$glue" train "${tiny[@]}" --out "$work/a" --bogus
check "glue with a bad value" 2 "$glue" train "${tiny[@]}" --out "$work/a" --lr -1
check "glue --help" 0 "$glue" train --help
check "glue on a missing folder" 2 "$glue" train --task toy --data "$work/none" --out "$work/a"
printf 'sentence\tlabel\nonly one column\n' >"$work/bad.tsv"
mkdir -p "$work/badtask" && cp "$work/bad.tsv" "$work/badtask/train.tsv" && cp "$work/task/dev.tsv" "$work/badtask/"
check "glue on a malformed file" 1 "$glue" train --task toy --data "$work/badtask" --out "$work/b"
grep -q "train.tsv:2" "$work/err" || { echo "FAIL: the error does not name file and line"; failures=$((failures + 1)); }

check "glue trains" 0 "$glue" train "${tiny[@]}" --out "$work/full" --max-steps 12
check "glue stops half-way" 0 "$glue" train "${tiny[@]}" --out "$work/half" --max-steps 12 --stop-after 5
check "glue resumes" 0 "$glue" train "${tiny[@]}" --out "$work/half" --max-steps 12 --resume
if cmp -s "$work/full/last.safetensors" "$work/half/last.safetensors"; then echo "ok: resumed run is bit-identical"
else echo "FAIL: the resumed run differs from the uninterrupted one"; failures=$((failures + 1)); fi
check "glue predicts" 0 "$glue" predict --checkpoint "$work/full/best.safetensors" --data "$work/task" --out "$work/pred.tsv"
[ "$(wc -l <"$work/pred.tsv")" -eq 3 ] || { echo "FAIL: predictions file"; failures=$((failures + 1)); }

for i in $(seq 1 30); do echo "the quick brown fox jumps over the lazy dog $i"; done >"$work/text.txt"
small=(--text "$work/text.txt" --dim 16 --heads 2 --layers 1 --context 8 --batch-size 4 --eval-every 5 --eval-batches 2 --attention FR)
check "lm trains" 0 "$lm" train "${small[@]}" --out "$work/lm_full" --steps 10
check "lm stops half-way" 0 "$lm" train "${small[@]}" --out "$work/lm_half" --steps 10 --stop-after 4
check "lm resumes" 0 "$lm" train "${small[@]}" --out "$work/lm_half" --steps 10 --resume
if cmp -s "$work/lm_full/last.safetensors" "$work/lm_half/last.safetensors"; then echo "ok: resumed lm run is bit-identical"
else echo "FAIL: the resumed lm run differs"; failures=$((failures + 1)); fi
check "lm samples" 0 "$lm" sample --checkpoint "$work/lm_full/best.safetensors" --prompt "the " --tokens 20
check "lm sample from a missing checkpoint" 2 "$lm" sample --checkpoint "$work/none.safetensors"
echo "garbage" >"$work/garbage.safetensors"
check "lm sample from a corrupt checkpoint" 1 "$lm" sample --checkpoint "$work/garbage.safetensors"

echo "$failures failures"
[ "$failures" -eq 0 ]
