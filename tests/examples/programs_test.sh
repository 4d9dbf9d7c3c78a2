#!/usr/bin/env bash
# End-to-end checks of the example programs on tiny tasks written here: exit codes for bad input,
# training that learns (above the majority baseline, a falling loss, the right test labels), a run
# stopped half-way and resumed that ends bit-identical to an uninterrupted one, run folders that
# never mix two runs, a best model even when the metric is NaN, and line breaks in a SentencePiece
# language model. Usage: programs_test.sh GLUE_BINARY LM_BINARY
set -u
glue=$1 lm=$2
source "$(dirname "$0")/checks.sh"

mkdir -p "$work/task"
{
  echo -e "sentence\tlabel"
  for i in $(seq 1 40); do echo -e "a red apple number $i\tfruit"; echo -e "a fast car number $i\tvehicle"; done
} >"$work/task/train.tsv"
{ echo -e "sentence\tlabel"; echo -e "a red apple\tfruit"; echo -e "a fast car\tvehicle"; } >"$work/task/dev.tsv"
{ echo -e "index\tsentence"; echo -e "0\ta red apple"; echo -e "1\ta fast car"; echo -e "2\tfast car"; echo -e "3\tred apple number 3"; } >"$work/task/test.tsv"
printf 'index\tprediction\n0\tfruit\n1\tvehicle\n2\tvehicle\n3\tfruit\n' >"$work/expected.tsv"
tiny=(--task toy --data "$work/task" --dim 16 --heads 2 --layers 1 --max-length 8 --batch-size 8 --attention R+V
      --epochs 10 --lr 3e-3)

check "glue without a subcommand" 2 "$glue"
check "glue with an unknown flag" 2 "$glue" train "${tiny[@]}" --out "$work/a" --bogus
check "glue with a bad value" 2 "$glue" train "${tiny[@]}" --out "$work/a" --lr -1
# Infinity and NaN pass no numeric check (--lr inf trained to a loss of inf and exited 0).
check "glue with an infinite rate" 2 "$glue" train "${tiny[@]}" --out "$work/a" --lr inf
grep -q -- "--lr: inf is not a finite number" "$work/err" || fail "the infinite rate's error: $(cat "$work/err")"
check "glue with a NaN fraction" 2 "$glue" train "${tiny[@]}" --out "$work/a" --embedding-lr-scale nan
check "glue with a NaN dropout" 2 "$glue" train "${tiny[@]}" --out "$work/a" --dropout nan
# An unsigned seed took -1 and 10^23 as 2^64 - 1.
check "glue with a negative seed" 2 "$glue" train "${tiny[@]}" --out "$work/a" --seed=-1
check "glue with a step count past int64" 2 "$glue" train "${tiny[@]}" --out "$work/a" --max-steps 99999999999999999999
grep -q -- "--max-steps: 99999999999999999999 is a whole number past 2^63 - 1" "$work/err" ||
  fail "the step count's error: $(cat "$work/err")"
check "glue with a hexadecimal step count past int64" 2 "$glue" train "${tiny[@]}" --out "$work/a" --max-steps 0x7FFFFFFFFFFFFFFFFFFF
# A float flag may still be written in digits past 2^63 as 1e20.
check "glue with a clip of 1e20" 0 "$glue" train "${tiny[@]}" --out "$work/clip_1e20" --max-steps 1 --clip 1e20
check "glue with a seed past 2^64" 2 "$glue" train "${tiny[@]}" --out "$work/a" --seed 99999999999999999999999
grep -q -- "--seed: 99999999999999999999999 is not a whole number" "$work/err" || fail "the seed's error: $(cat "$work/err")"
check "glue with --dim not a multiple of --heads" 2 "$glue" train --task toy --data "$work/task" --dim 16 --heads 3 \
  --out "$work/a"
grep -q -- "--dim 16 --heads 3: attention: dim 16 must be a positive multiple of heads 3" "$work/err" ||
  fail "the dim/heads error: $(cat "$work/err")"
check "glue with an unknown variant" 2 "$glue" train --task toy --data "$work/task" --out "$work/a" --attention V+Q
check "glue --help" 0 "$glue" train --help
check "glue on a missing folder" 2 "$glue" train --task toy --data "$work/none" --out "$work/a"
printf 'sentence\tlabel\nonly one column\n' >"$work/bad.tsv"
mkdir -p "$work/badtask" && cp "$work/bad.tsv" "$work/badtask/train.tsv" && cp "$work/task/dev.tsv" "$work/badtask/"
check "glue on a malformed file" 1 "$glue" train --task toy --data "$work/badtask" --out "$work/b"
grep -q "train.tsv:2" "$work/err" || { echo "FAIL: the error does not name file and line"; failures=$((failures + 1)); }

check "glue trains" 0 "$glue" train "${tiny[@]}" --out "$work/full"
# "best dev accuracy 1.0000  (majority-class baseline 0.5000)"
echo "$(grep -o 'best dev accuracy [0-9.]*  (majority-class baseline [0-9.]*' "$work/out")" |
  awk '{ exit !(NF == 7 && $4 > $7 + 0.25) }' && echo "ok: glue learns: $(head -1 "$work/out")" ||
  fail "glue does not beat the majority baseline: $(head -1 "$work/out")"
check "glue stops half-way" 0 "$glue" train "${tiny[@]}" --out "$work/half" --stop-after 45
check "glue refuses to resume with another --batch-size" 2 "$glue" train --task toy --data "$work/task" --dim 16 \
  --heads 2 --layers 1 --max-length 8 --batch-size 4 --attention R+V --epochs 10 --lr 3e-3 --out "$work/half" --resume
grep -q -- "resume it with --batch-size 8" "$work/err" && echo "ok: the refusal names the batch size" ||
  fail "the refusal does not name the batch size: $(cat "$work/err")"
check "glue refuses to resume with another --dim" 2 "$glue" train --task toy --data "$work/task" --dim 32 \
  --heads 2 --out "$work/half" --resume
grep -q -- "--dim 32 contradicts the run being resumed of '$work/half/last.safetensors', whose dim is 16" "$work/err" &&
  echo "ok: the refusal names the flag and the run's value" || fail "resume with another --dim: $(cat "$work/err")"
# Another task folder (a copy, with other labels) or task name is refused before anything loads:
# the saved data position and head belong to the run's own data.
mkdir -p "$work/other_task" && for split in train dev; do
  sed 's/fruit/food/' "$work/task/$split.tsv" >"$work/other_task/$split.tsv"
done
check "glue refuses to resume on another task folder" 2 "$glue" train "${tiny[@]/$work\/task/$work/other_task}" \
  --out "$work/half" --resume
grep -q -- "it was started with --task toy --data $(cd "$work/task" && pwd -P) and this run is given --task toy --data $(cd "$work/other_task" && pwd -P)" \
  "$work/err" && echo "ok: the refusal names both inputs" || fail "resume on another task folder: $(cat "$work/err")"
check "glue resumes" 0 "$glue" train "${tiny[@]}" --out "$work/half" --resume
cmp -s "$work/full/last.safetensors" "$work/half/last.safetensors" && echo "ok: resumed run is bit-identical" ||
  fail "the resumed run differs from the uninterrupted one"

# Predictions use the label names saved in the checkpoint: the folder needs only test.tsv, and a
# train.tsv there with other labels changes nothing.
check "glue predicts" 0 "$glue" predict --checkpoint "$work/full/best.safetensors" --data "$work/task" --out "$work/pred.tsv"
check "glue predict of an unknown split" 2 "$glue" predict --checkpoint "$work/full/best.safetensors" --data "$work/task" \
  --out "$work/pred_x.tsv" --split foo
grep -q -- "--split: toy: no split 'foo'" "$work/err" || fail "the split's error: $(cat "$work/err")"
cmp -s "$work/pred.tsv" "$work/expected.tsv" && echo "ok: right test labels" || { fail "wrong test labels:"; cat "$work/pred.tsv"; }
# A quoted label that holds a tab is one label, trained and predicted as one (it came back from
# the checkpoint as two), and written quoted.
mkdir -p "$work/tabbed" && cp "$work/task/test.tsv" "$work/tabbed/"
for split in train dev; do sed 's/\tfruit$/\t"fr\tuit"/' "$work/task/$split.tsv" >"$work/tabbed/$split.tsv"; done
check "glue trains on a label with a tab" 0 "$glue" train "${tiny[@]/$work\/task/$work/tabbed}" --out "$work/tabbed_run"
check "glue predicts a label with a tab" 0 "$glue" predict --checkpoint "$work/tabbed_run/best.safetensors" \
  --data "$work/tabbed" --out "$work/pred_tabbed.tsv"
sed 's/\tfruit$/\t"fr\tuit"/' "$work/expected.tsv" | cmp -s - "$work/pred_tabbed.tsv" && echo "ok: the label with a tab" ||
  { fail "labels with a tab:"; cat "$work/pred_tabbed.tsv"; }
mkdir -p "$work/test_only" "$work/relabelled" && cp "$work/task/test.tsv" "$work/test_only/" && cp "$work/task/test.tsv" "$work/relabelled/"
printf 'sentence\tlabel\na cat\tanimal\na red apple\tfruit\na fast car\tvehicle\n' >"$work/relabelled/train.tsv"
for folder in test_only relabelled; do
  check "glue predicts from a folder: $folder" 0 "$glue" predict --checkpoint "$work/full/best.safetensors" --data "$work/$folder" --out "$work/pred_$folder.tsv"
  cmp -s "$work/pred_$folder.tsv" "$work/expected.tsv" && echo "ok: right test labels from $folder" || fail "wrong test labels from $folder"
done

# A fresh run never mixes with an earlier one in its folder: it refuses, unless told to delete it.
cp "$work/full/log.csv" "$work/full_log.csv"
check "glue refuses a fresh run into a folder holding a run" 2 "$glue" train "${tiny[@]}" --out "$work/full" --max-steps 3
grep -q -- "--resume" "$work/err" && grep -q -- "--overwrite" "$work/err" && echo "ok: the refusal names the ways out" ||
  fail "the refusal names no way out: $(cat "$work/err")"
cmp -s "$work/full/log.csv" "$work/full_log.csv" && echo "ok: the refused run left the earlier run alone" ||
  fail "the refused run changed the earlier run's log"
check "glue --overwrite with --resume" 2 "$glue" train "${tiny[@]}" --out "$work/full" --overwrite --resume
check "glue --overwrite replaces the earlier run" 0 "$glue" train "${tiny[@]}" --out "$work/full" --max-steps 3 --overwrite
[ "$(cut -d, -f1 "$work/full/log.csv" | tr '\n' ' ')" = "step 1 2 3 " ] && echo "ok: the overwritten log is the new run's alone" ||
  fail "the overwritten log is not the new run's alone"

# STS-B with every dev score equal: the Pearson correlation is NaN, and the first one still saves.
mkdir -p "$work/flat"
{ echo -e "sentence1\tsentence2\tscore"; for i in $(seq 1 8); do echo -e "a red apple\ta fast car $i\t$((i % 5))"; done; } >"$work/flat/train.tsv"
{ echo -e "sentence1\tsentence2\tscore"; echo -e "a red apple\ta fast car\t2.5"; echo -e "a car\tan apple\t2.5"; } >"$work/flat/dev.tsv"
check "glue trains on a NaN dev metric" 0 "$glue" train --task STS-B --data "$work/flat" --out "$work/flat_run" \
  --dim 16 --heads 2 --layers 1 --max-length 16 --batch-size 4 --epochs 2
[ -f "$work/flat_run/best.safetensors" ] && echo "ok: a NaN metric leaves a best model" || fail "no best model after a NaN metric"
grep -q "not a number, but the first evaluation: best, saved" "$work/err" && grep -q "not a number: best model kept" "$work/err" &&
  echo "ok: the log lines say the metric is not a number" || fail "the log lines do not say the metric is not a number: $(grep -a "dev pearson" "$work/err")"

# GLUE's task names in another case or without the hyphen are GLUE's tasks, not TSV tasks (which
# failed on STS-B's header): "sts-b" and "STSB" train as STS-B.
check "glue takes sts-b for STS-B" 0 "$glue" train --task stsb --data "$work/flat" --out "$work/flat_lower" \
  --dim 16 --heads 2 --layers 1 --max-length 16 --batch-size 4 --max-steps 1
grep -q "STS-B: " "$work/err" && grep -q "dev pearson" "$work/err" && echo "ok: the task is STS-B" ||
  fail "stsb was not taken for STS-B: $(head -3 "$work/err")"

# --class-weights balanced: on 30 fruit against 10 vehicles, a vehicle weighs 40 / (2 * 10) = 2 and
# a fruit 40 / (2 * 30) = 0.667, and the weights reach the loss (the same seed's losses differ).
fruit_and_vehicles "$work/imbalanced" 30 10
cp "$work/task/dev.tsv" "$work/imbalanced/dev.tsv"
imbalanced=(--task toy --data "$work/imbalanced" --dim 16 --heads 2 --layers 1 --max-length 8 --batch-size 8 --max-steps 4)
check "glue with unknown class weights" 2 "$glue" train "${imbalanced[@]}" --out "$work/cw" --class-weights equal
check "glue with balanced class weights" 0 "$glue" train "${imbalanced[@]}" --out "$work/cw" --class-weights balanced
grep -q "class weights fruit 0.667, vehicle 2.000" "$work/err" && echo "ok: balanced class weights" ||
  fail "balanced class weights: $(grep -a "class weights" "$work/err")"
check "glue without class weights" 0 "$glue" train "${imbalanced[@]}" --out "$work/no_cw"
[ "$(cut -d, -f3 "$work/cw/log.csv")" != "$(cut -d, -f3 "$work/no_cw/log.csv")" ] &&
  echo "ok: class weights change the loss" || fail "the weighted run's losses are the unweighted run's"
check "glue with class weights on a regression task" 0 "$glue" train --task STS-B --data "$work/flat" \
  --out "$work/flat_cw" --dim 16 --heads 2 --layers 1 --max-length 16 --batch-size 4 --max-steps 1 --class-weights balanced
grep -q "STS-B: a regression task: --class-weights balanced does not apply" "$work/err" &&
  echo "ok: a regression task says class weights do not apply" || fail "no note on class weights for regression: $(head -5 "$work/err")"

# A regression head starts at the mean training score (4.5 here): after one step at a tiny rate
# every prediction is near it, not near 0.
mkdir -p "$work/high"
{ echo -e "sentence1\tsentence2\tscore"; for i in $(seq 1 8); do echo -e "a red apple\ta fast car $i\t$((4 + i % 2))"; done; } >"$work/high/train.tsv"
cp "$work/high/train.tsv" "$work/high/dev.tsv"
{ echo -e "index\tsentence1\tsentence2"; echo -e "0\ta red car\tan apple"; echo -e "1\tapples\tcars"; } >"$work/high/test.tsv"
check "glue trains a regression for one step" 0 "$glue" train --task STS-B --data "$work/high" --out "$work/high_run" \
  --dim 16 --heads 2 --layers 1 --max-length 16 --batch-size 4 --max-steps 1 --lr 1e-6
check "glue predicts scores" 0 "$glue" predict --checkpoint "$work/high_run/best.safetensors" --data "$work/high" --out "$work/high.tsv"
awk -F'\t' 'NR > 1 && ($2 < 4 || $2 > 5) { bad = 1 } END { exit bad || NR != 3 }' "$work/high.tsv" &&
  echo "ok: a fresh regression head predicts the mean training score" ||
  fail "a fresh regression head does not predict near the mean training score 4.5: $(cat "$work/high.tsv")"

for i in $(seq 1 30); do echo "the quick brown fox jumps over the lazy dog $i"; done >"$work/text.txt"
lm_model=(--dim 16 --heads 2 --layers 1 --batch-size 4 --attention FR)
small=(--text "$work/text.txt" "${lm_model[@]}" --context 8 --eval-every 5 --eval-batches 2)
check "lm refuses a fresh run into a folder holding a glue run" 2 "$lm" train "${small[@]}" --out "$work/half" --steps 2
check "lm trains" 0 "$lm" train "${small[@]}" --out "$work/lm_full" --steps 10
check "lm stops half-way" 0 "$lm" train "${small[@]}" --out "$work/lm_half" --steps 10 --stop-after 4
check "lm refuses to resume with another --context" 2 "$lm" train --text "$work/text.txt" "${lm_model[@]}" \
  --context 16 --out "$work/lm_half" --steps 10 --resume
grep -q -- "--context 16 contradicts the run being resumed of '$work/lm_half/last.safetensors', whose max_length is 8" \
  "$work/err" || fail "resume with another --context: $(cat "$work/err")"
printf 'other text, other letters: %s\n' $(seq 1 30) >"$work/other_text.txt"
check "lm refuses to resume on another text" 2 "$lm" train --text "$work/other_text.txt" --out "$work/lm_half" \
  --steps 10 --resume
grep -q -- "it was started with --text $(cd "$work" && pwd -P)/text.txt and this run is given --text" "$work/err" &&
  echo "ok: the refusal names the text it started with" || fail "lm resume on another text: $(cat "$work/err")"
# Without the model flags the run's own model is resumed (it was built from the defaults before).
check "lm resumes" 0 "$lm" train --text "$work/text.txt" --batch-size 4 --eval-every 5 --eval-batches 2 \
  --out "$work/lm_half" --steps 10 --resume
if cmp -s "$work/lm_full/last.safetensors" "$work/lm_half/last.safetensors"; then echo "ok: resumed lm run is bit-identical"
else echo "FAIL: the resumed lm run differs"; failures=$((failures + 1)); fi
check "lm samples" 0 "$lm" sample --checkpoint "$work/lm_full/best.safetensors" --prompt "the " --tokens 20
check "lm sample with an empty prompt" 2 "$lm" sample --checkpoint "$work/lm_full/best.safetensors" --prompt "" --tokens 5

# SentencePiece subwords: the loss falls, and the model writes line breaks (a token of their own).
check "lm trains on subwords" 0 "$lm" train --text "$work/text.txt" "${lm_model[@]}" --out "$work/lm_pieces" --steps 400 --lr 3e-3 \
  --context 16 --eval-every 100 --tokenizer sentencepiece --vocab-size 64
column loss "$work/lm_pieces/log.csv" | awk 'NR == 1 { first = $1 } END { exit !(NR > 1 && $1 < first / 2) }' &&
  echo "ok: lm loss falls" || fail "the lm loss does not halve: $(column loss "$work/lm_pieces/log.csv" | sed -n '1p;$p' | paste -sd ' ')"
check "lm samples subwords" 0 "$lm" sample --checkpoint "$work/lm_pieces/best.safetensors" --prompt "the " --tokens 40 --temperature 0
[ "$(wc -l <"$work/out")" -ge 2 ] && echo "ok: lm writes line breaks" || fail "no line break in the sample: $(cat "$work/out")"

# The validation text is the training text reversed, so the validation loss rises once the model
# learns the training order: the loss reported beside best.safetensors must be that model's (the
# lowest logged, as every estimate here covers the whole validation split), not the last one.
{ for i in $(seq 1 45); do echo "the quick brown fox jumps over the lazy dog"; done
  for i in $(seq 1 5); do echo "god yzal eht revo spmuj xof nworb kciuq eht"; done; } >"$work/shifted.txt"
check "lm trains on a shifted text" 0 "$lm" train --text "$work/shifted.txt" "${lm_model[@]}" --out "$work/lm_shifted" \
  --context 8 --steps 200 --lr 3e-3 --eval-every 25 --eval-batches 100
reported=$(grep -o 'best model: validation loss [0-9.]*' "$work/out" | awk '{ print $5 }')
column validation_loss "$work/lm_shifted/log.csv" | grep -v nan |
  awk -v reported="${reported:-nan}" '{ if (min == "" || $1 < min) min = $1; last = $1 }
  END { exit !(last > min + 0.1 && reported - min < 1e-3 && min - reported < 1e-3) }' &&
  echo "ok: lm reports the best model's loss" || fail "lm reports $reported, not the best model's loss: $(column validation_loss "$work/lm_shifted/log.csv" | grep -v nan | paste -sd ' ')"

check "lm with a batch too large for memory" 2 "$lm" train --text "$work/text.txt" --out "$work/x" --batch-size 100000000
grep -q -- "--batch-size 100000000: a step of" "$work/err" || fail "the huge batch's error: $(cat "$work/err")"
check "lm with a floor above its peak rate" 2 "$lm" train "${small[@]}" --out "$work/x" --steps 2 --lr 1e-3 --min-lr 5
grep -q -- "--min-lr 5 is above --lr 0.001" "$work/err" || fail "the floor's error: $(cat "$work/err")"
# A tokenizer from another run beside a checkpoint would shift every id: refused, naming both.
mkdir -p "$work/mixed" && cp "$work/lm_full/best.safetensors" "$work/mixed/" &&
  cp "$work/lm_pieces/best.tokenizer" "$work/mixed/"
check "lm sample with another run's tokenizer" 1 "$lm" sample --checkpoint "$work/mixed/best.safetensors" --tokens 5
grep -q "its tokenizer '$work/mixed/best.tokenizer' one of .*: they are not from the same run" "$work/err" ||
  fail "the tokenizer mismatch's error: $(cat "$work/err")"
check "lm sample from a missing checkpoint" 2 "$lm" sample --checkpoint "$work/none.safetensors"
echo "garbage" >"$work/garbage.safetensors"
check "lm sample from a corrupt checkpoint" 1 "$lm" sample --checkpoint "$work/garbage.safetensors"

finish
