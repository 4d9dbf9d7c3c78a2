#!/usr/bin/env bash
# End-to-end checks of glue train --init-from and glue benchmark on a tiny generated pair task
# (MRPC format: two metrics, a small task) and single-sentence task (SST-2 format), from tiny
# MaskedLM checkpoints: flags that contradict the pre-trained trunk, a resumed --init-from run
# bit-identical to an uninterrupted one, a benchmark stopped and continued, and its tables
# recomputed here from the runs' own results.
# Usage: glue_benchmark_test.sh GLUE_BINARY MASKED_LM_TOOL_BINARY CHECKPOINT_DIFFERENCE_BINARY
set -u
glue=$1 tool=$2 difference=$3
source "$(dirname "$0")/checks.sh"
expect_in() {  # expect_in FILE TEXT DESCRIPTION
  grep -qF -- "$2" "$1" && echo "ok: $3" || fail "$3: no '$2' in $(cat "$1")"
}

data=$work/data
mkdir -p "$data/SST-2" "$data/MRPC"
{ echo -e "sentence\tlabel"
  for i in $(seq 1 30); do echo -e "a red apple number $i\t1"; echo -e "a fast car number $i\t0"; done; } >"$data/SST-2/train.tsv"
printf 'sentence\tlabel\na red apple\t1\na fast car\t0\nred apple number 7\t1\nfast car\t0\n' >"$data/SST-2/dev.tsv"
{ echo -e "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"
  for i in $(seq 1 30); do echo -e "1\t$i\t$i\ta red apple $i\ta red apple $i"; echo -e "0\t$i\t$i\ta red apple $i\ta fast car $i"; done
} >"$data/MRPC/train.tsv"
{ echo -e "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"
  echo -e "1\t1\t1\ta fast car\ta fast car"; echo -e "0\t1\t1\ta fast car\ta red apple"
  echo -e "1\t1\t1\tred apple 3\tred apple 3"; echo -e "0\t1\t1\tred apple 3\tfast car 3"; } >"$data/MRPC/dev.tsv"
tail -q -n +2 "$data/SST-2/train.tsv" "$data/MRPC/train.tsv" >"$work/text.txt"
# V with segment embeddings, R+V without: each task meets both cases.
mkdir -p "$work/pt-V" "$work/pt-R+V"
"$tool" make "$work/pt-V/best.safetensors" V 2 "$work/text.txt" &&
  "$tool" make "$work/pt-R+V/best.safetensors" R+V 0 "$work/text.txt" || fail "masked_lm_tool make"

# One step of a learning rate far below the weights' precision: the trunk is still the pre-trained one.
still=(--max-steps 1 --lr 1e-10 --warmup 0 --weight-decay 0)
check "--init-from copies the trunk" 0 "$glue" train --task SST-2 --data "$data/SST-2" "${still[@]}" \
  --init-from "$work/pt-V/best.safetensors" --out "$work/copy"
within 1e-6 "$work/pt-V/best.safetensors" "$work/copy/best.safetensors" trunk. &&
  echo "ok: the fine-tuned model has the pre-trained trunk" || fail "the fine-tuned model's trunk is not the pre-trained one"
check "the same from scratch" 0 "$glue" train --task SST-2 --data "$data/SST-2" "${still[@]}" --dim 16 --heads 2 \
  --layers 1 --max-length 16 --attention V --min-count 1 --out "$work/scratch"
within 1e-6 "$work/pt-V/best.safetensors" "$work/scratch/best.safetensors" trunk. &&
  fail "a model trained from scratch has the pre-trained trunk" || echo "ok: from scratch the trunk differs"

mrpc=(--task MRPC --data "$data/MRPC" --batch-size 8 --epochs 2)

# A trunk with token weights: they come with it into the fine-tuned model, and a head on [CLS],
# which does not use them, says so.
mkdir -p "$work/pt-weighted"
"$tool" make "$work/pt-weighted/best.safetensors" V 2 "$work/text.txt" weighted || fail "masked_lm_tool make weighted"
check "--init-from a trunk with token weights, pair pooling" 0 "$glue" train "${mrpc[@]}" --pooling pair \
  --init-from "$work/pt-weighted/best.safetensors" --out "$work/weighted"
# MRPC is scored by F1: the majority answer's F1 (here "0" on a tie, whose F1 is 0), not its
# accuracy (0.5), is the baseline printed beside it.
expect_in "$work/out" "(majority-class baseline 0.0000)" "the baseline is in the task's metric"
within 0 "$work/pt-weighted/best.safetensors" "$work/weighted/best.safetensors" trunk.token_weights &&
  echo "ok: the fine-tuned model keeps the trunk's token weights" || fail "token weights: $difference_found"
check "--init-from a trunk with token weights, cls pooling" 0 "$glue" train "${mrpc[@]}" --pooling cls \
  --init-from "$work/pt-weighted/best.safetensors" --out "$work/weighted-cls"
expect_in "$work/err" "token weights go unused" "a [CLS] head says the token weights go unused"
# --embedding-lr-scale 0 fine-tunes with the pre-trained word vectors kept as they are: the token
# embedding is the trunk's to the bit while the blocks move.
check "--init-from with the embedding frozen" 0 "$glue" train "${mrpc[@]}" --pooling pair --embedding-lr-scale 0 \
  --init-from "$work/pt-weighted/best.safetensors" --out "$work/frozen"
within 0 "$work/pt-weighted/best.safetensors" "$work/frozen/best.safetensors" trunk.tokens.weight &&
  echo "ok: the frozen embedding is the pre-trained one" || fail "the frozen embedding moved: $difference_found"
! within 0 "$work/pt-weighted/best.safetensors" "$work/frozen/best.safetensors" trunk.blocks. &&
  awk -v d="$difference_found" 'BEGIN { exit !(d > 0) }' &&
  echo "ok: the blocks learn while the embedding is frozen" || fail "the blocks did not learn: $difference_found"
! within 0 "$work/pt-weighted/best.safetensors" "$work/weighted/best.safetensors" trunk.tokens.weight &&
  echo "ok: at the full rate the embedding moves" || fail "the embedding did not move at the full rate"
# --layer-mix: the head reads a learnt blend of the trunk's layers, whose weights are trained and
# saved with the model (a run of one step at a negligible rate keeps them where they start).
check "--init-from with a layer mix, align pooling" 0 "$glue" train "${mrpc[@]}" --pooling align --layer-mix \
  --init-from "$work/pt-weighted/best.safetensors" --out "$work/mix"
check "the same, one negligible step" 0 "$glue" train --task MRPC --data "$data/MRPC" "${still[@]}" \
  --pooling align --layer-mix --init-from "$work/pt-weighted/best.safetensors" --out "$work/mix-still"
within 1e9 "$work/mix-still/best.safetensors" "$work/mix/best.safetensors" layer_mix &&
  awk -v d="$difference_found" 'BEGIN { exit !(d + 0 > 0) }' &&
  echo "ok: the layer mix is saved and trained" || fail "the layer mix: $difference_found"
within 1e-6 "$work/pt-weighted/best.safetensors" "$work/mix-still/best.safetensors" trunk. &&
  echo "ok: the mixing model has the pre-trained trunk" || fail "layer mix trunk: $difference_found"
check "--init-from refuses a tokenizer flag" 2 "$glue" train "${mrpc[@]}" --init-from "$work/pt-V/best.safetensors" \
  --out "$work/x" --tokenizer char
expect_in "$work/err" "--tokenizer cannot be used with --init-from" "the tokenizer error names the flag"
check "--init-from refuses a contradicting model flag" 2 "$glue" train "${mrpc[@]}" \
  --init-from "$work/pt-V/best.safetensors" --out "$work/x" --dim 32
expect_in "$work/err" "--dim 32 contradicts the pre-trained trunk of '$work/pt-V/best.safetensors', whose dim is 16" \
  "the flag error names both values"
# --out at the pre-training run's own folder: --overwrite would delete the checkpoint being read.
mkdir -p "$work/ptcopy" && cp "$work/pt-V/"* "$work/ptcopy/"
check "--init-from refuses its own folder as --out" 2 "$glue" train "${mrpc[@]}" \
  --init-from "$work/ptcopy/best.safetensors" --out "$work/ptcopy" --overwrite
expect_in "$work/err" "is in the run folder --out" "the error says why"
[ -f "$work/ptcopy/best.safetensors" ] && [ -f "$work/ptcopy/best.tokenizer" ] &&
  echo "ok: the pre-trained checkpoint and tokenizer are still there" || fail "the pre-trained files were deleted"
check "--init-from refuses a training checkpoint" 1 "$glue" train "${mrpc[@]}" --init-from "$work/text.txt" --out "$work/x"
[ -e "$work/x" ] && fail "a refused run created its folder" || echo "ok: a refused run writes nothing"

check "--init-from a trunk without segments on a pair task" 0 "$glue" train "${mrpc[@]}" \
  --init-from "$work/pt-R+V/best.safetensors" --out "$work/full"
expect_in "$work/err" "the pre-trained trunk has no segment embedding" "the missing segment embedding is logged"
check "--init-from stops half-way" 0 "$glue" train "${mrpc[@]}" --init-from "$work/pt-R+V/best.safetensors" \
  --out "$work/half" --stop-after 5
check "a resume that adds --layer-mix" 2 "$glue" train "${mrpc[@]}" --out "$work/half" --resume --layer-mix
expect_in "$work/err" "--layer-mix contradicts the run being resumed, '$work/half/last.safetensors', which was started without it" \
  "the resume refuses a layer mix the run did not start with"
check "--init-from resumes" 0 "$glue" train "${mrpc[@]}" --out "$work/half" --resume
cmp -s "$work/full/last.safetensors" "$work/half/last.safetensors" && echo "ok: the resumed run is bit-identical" ||
  fail "the resumed --init-from run differs from the uninterrupted one"
check "--init-from a trunk with segments on a single-sentence task" 0 "$glue" train --task SST-2 \
  --data "$data/SST-2" --batch-size 8 --epochs 1 --init-from "$work/pt-V/best.safetensors" --out "$work/single"

# A causal trunk (pretrain --objective clm) under --pooling surprisal: the head reads its own
# next-token surprisals; they need the trunk's token weights.
mkdir -p "$work/pt-causal"
"$tool" make "$work/pt-causal/best.safetensors" V 2 "$work/text.txt" weighted causal || fail "masked_lm_tool make causal"
check "--init-from a causal trunk, surprisal pooling" 0 "$glue" train --task SST-2 --data "$data/SST-2" \
  --batch-size 8 --epochs 3 --lr 3e-3 --pooling surprisal --init-from "$work/pt-causal/best.safetensors" \
  --out "$work/surprisal"
grep -q 'best dev accuracy 1.0000' "$work/out" && echo "ok: the surprisal head learns the task" ||
  fail "surprisal pooling: $(cat "$work/out")"
expect_in "$work/err" "SST-2: surprisal features over the training set" "the features' standardization is logged"
# The same through a clustered softmax: its cutoffs and cluster vectors come with the trunk.
mkdir -p "$work/pt-clustered"
"$tool" make "$work/pt-clustered/best.safetensors" V 2 "$work/text.txt" weighted causal clustered ||
  fail "masked_lm_tool make clustered"
check "--init-from a clustered causal trunk, surprisal pooling" 0 "$glue" train --task SST-2 --data "$data/SST-2" \
  --batch-size 8 --epochs 3 --lr 3e-3 --pooling surprisal --init-from "$work/pt-clustered/best.safetensors" \
  --out "$work/surprisal-clustered"
grep -q 'best dev accuracy 1.0000' "$work/out" && echo "ok: the clustered surprisal head learns the task" ||
  fail "clustered surprisal pooling: $(cat "$work/out")"
check "surprisal pooling without token weights" 1 "$glue" train --task SST-2 --data "$data/SST-2" \
  --pooling surprisal --init-from "$work/pt-V/best.safetensors" --out "$work/x"
expect_in "$work/err" "pooling 'surprisal' needs the trunk's token weights" "the missing token weights are named"

bench=(benchmark --tasks MRPC,SST-2 --attention V,R+V --init-from "$work/pt-{attention}/best.safetensors"
       --seeds 1 --seeds-small 2 --data-root "$data" --out "$work/bench" --epochs 2 --batch-size 8)
check "glue benchmark with a missing pre-trained trunk" 2 "$glue" "${bench[@]/V,R+V/V,D}"
expect_in "$work/err" "no checkpoint '$work/pt-D/best.safetensors' for attention D" "the missing trunk is named"
check "glue benchmark with one trunk for two variants" 2 "$glue" "${bench[@]/\{attention\}/V}"
expect_in "$work/err" "holds a trunk of V attention, not R+V" "the variant mismatch is named"
[ -e "$work/bench/MRPC" ] && fail "a refused benchmark ran" || echo "ok: a refused benchmark runs nothing"
check "glue benchmark stops as planned" 0 "$glue" "${bench[@]}" --stop-after 3
[ -e "$work/bench/results.md" ] && fail "a stopped benchmark wrote a table" || echo "ok: a stopped benchmark writes no table"
check "glue benchmark continues" 0 "$glue" "${bench[@]}"
expect_in "$work/err" "resumed from $work/bench/MRPC/V/seed0/last.safetensors" "the stopped run is resumed"
runs=$(find "$work/bench" -name result.tsv | wc -l)
[ "$runs" -eq 6 ] && echo "ok: 2 seeds of MRPC and 1 of SST-2 per variant" || fail "$runs finished runs, expected 6"
cp "$work/bench/results.csv" "$work/first.csv"
check "glue benchmark again" 0 "$glue" "${bench[@]}"
[ "$(grep -c 'finished earlier' "$work/err")" -eq 6 ] && echo "ok: finished runs are skipped" || fail "runs were repeated"
cmp -s "$work/first.csv" "$work/bench/results.csv" && echo "ok: the same table" || fail "the table changed"
# Other settings into the same folder would republish the old runs' results: refused.
check "glue benchmark again with another rate" 2 "$glue" "${bench[@]}" --lr 0.01
expect_in "$work/err" "holds runs made with other settings" "the settings' change is named"
check "glue benchmark again with class weights" 2 "$glue" "${bench[@]}" --class-weights balanced
expect_in "$work/err" "class-weights balanced" "the class weights are a setting"
cmp -s "$work/first.csv" "$work/bench/results.csv" && echo "ok: the refused rerun left the table" || fail "the table changed"
# A variant or task listed twice would be counted as two seeds of one run; an unknown variant
# would be found after the others had trained.
check "glue benchmark with a variant listed twice" 2 "$glue" "${bench[@]/V,R+V/V,V}"
expect_in "$work/err" "--attention: 'V' is listed twice" "the repeated variant is named"
check "glue benchmark with a task listed twice" 2 "$glue" "${bench[@]/MRPC,SST-2/MRPC,MRPC}"
check "glue benchmark with an unknown variant" 2 "$glue" benchmark --tasks MRPC --attention V,X --data-root "$data" \
  --out "$work/bench-x"
expect_in "$work/err" "--attention: attention variant 'X'" "the unknown variant is named"
[ -e "$work/bench-x/MRPC" ] && fail "the benchmark with an unknown variant ran V" || echo "ok: nothing ran"
# A --data-root that is one task's folder, not their parent: a usage error naming the flag.
check "glue benchmark with a task folder as --data-root" 2 "$glue" benchmark --tasks MRPC --attention V \
  --data-root "$data/MRPC" --out "$work/bench-root"
expect_in "$work/err" "--data-root $data/MRPC: no folder 'MRPC' for task MRPC" "the flag and the task are named"
# A task folder without its dev file was found only after the tasks before it had trained.
mkdir -p "$work/nodev/SST-2" && cp -r "$data/MRPC" "$work/nodev/" && cp "$data/SST-2/train.tsv" "$work/nodev/SST-2/"
check "glue benchmark with a task folder missing its dev file" 1 "$glue" benchmark --tasks MRPC,SST-2 --attention V \
  --data-root "$work/nodev" --out "$work/bench-nodev"
expect_in "$work/err" "SST-2: missing dev file '$work/nodev/SST-2/dev.tsv'" "the missing file is named"
[ -e "$work/bench-nodev/MRPC" ] && fail "MRPC trained before the missing file was found" || echo "ok: nothing ran"

# The CSV recomputed from the runs' result.tsv: medians and ranges over seeds in percent, a task's
# score the mean of its metrics, the GLUE average the mean of the task scores.
for task in MRPC SST-2; do for variant in V R+V; do for seed in "$work/bench/$task/$variant"/seed*; do
  awk -v t="$task" -v v="$variant" '{ print t, v, $1, $2 }' "$seed/result.tsv"; done; done; done |
  awk '{ key = $1 "," $2 "," $3; if (!(key in n)) { order[++keys] = key; tv[key] = $1 "," $2 }
         n[key]++; x = 100 * $4; sum[key] += x
         if (n[key] == 1 || x < lo[key]) lo[key] = x; if (n[key] == 1 || x > hi[key]) hi[key] = x }
       END { print "task,variant,metric,seeds,median,min,max"
             for (i = 1; i <= keys; i++) { k = order[i]
               # with one or two seeds the median is the mean
               m = sum[k] / n[k]; printf "%s,%d,%.2f,%.2f,%.2f\n", k, n[k], m, lo[k], hi[k]
               score[tv[k]] += m; count[tv[k]]++; seeds[tv[k]] = n[k]
               if (i == keys || tv[order[i + 1]] != tv[k]) {
                 s = score[tv[k]] / count[tv[k]]; printf "%s,score,%d,%.2f,,\n", tv[k], seeds[tv[k]], s
                 split(tv[k], part, ","); glue[part[2]] += s; tasks[part[2]]++ } }
             printf "GLUE average,V,score,,%.2f,,\n", glue["V"] / tasks["V"]
             printf "GLUE average,R+V,score,,%.2f,,\n", glue["R+V"] / tasks["R+V"] }' >"$work/expected.csv"
diff "$work/expected.csv" "$work/bench/results.csv" >"$work/diff" && echo "ok: results.csv matches the runs' results" ||
  fail "results.csv differs from the recomputed table: $(cat "$work/diff")"
grep -q "^| MRPC | F1/acc | 2 | " "$work/bench/results.md" && grep -q "^| SST-2 | acc | 1 | " "$work/bench/results.md" &&
  grep -q "^| GLUE average | | | [0-9.]* | [0-9.]* |$" "$work/bench/results.md" && echo "ok: results.md has the rows" ||
  fail "results.md lacks rows: $(cat "$work/bench/results.md")"

finish
