#!/usr/bin/env bash
# glue train (and benchmark), lm train and pretrain under mpirun: N ranks with --batch-size b end where one process
# with N x b does (up to the order of the sums; an epoch's last batch split unevenly over 3 ranks
# included), evaluation split over the ranks gives the same figures, rank 0 alone prints, a run
# stopped (planned, or by SIGTERM to one rank) and resumed with the same ranks ends bit-identical to
# an uninterrupted one, resuming with other ranks is refused, and a rank that dies or fails takes
# the others down instead of leaving them waiting.
# Usage: programs_data_parallel_test.sh MPIEXEC GLUE LM PRETRAIN CHECKPOINT_DIFFERENCE
set -u
mpiexec=$1 glue=$2 lm=$3 pretrain=$4 difference=$5
source "$(dirname "$0")/../examples/checks.sh"

ranks() {  # ranks N COMMAND...: COMMAND as N ranks, ended after 120 s should it hang
  local n=$1
  shift
  timeout 120 "$mpiexec" --oversubscribe -np "$n" "$@"
}
close() {  # close DESCRIPTION A.safetensors B.safetensors TOLERANCE
  within "$4" "$2" "$3" && echo "ok: $1 (largest difference $difference_found)" ||
    fail "$1: largest difference $difference_found, more than $4"
}
identical() {  # identical DESCRIPTION A B
  cmp -s "$2" "$3" && echo "ok: $1" || fail "$1"
}
close_columns() {  # close_columns DESCRIPTION COLUMN LOG_A LOG_B TOLERANCE: evaluated rows only
  paste -d' ' <(column "$2" "$3") <(column "$2" "$4") |
    awk -v t="$5" '$1 != "nan" { n++; d = $1 - $2; if (d < 0) d = -d; if (!(d <= t)) bad++ }
                   END { exit !(n > 0 && bad == 0) }' &&
    echo "ok: $1" || fail "$1: $(paste -d' ' <(column "$2" "$3") <(column "$2" "$4") | grep -v nan | tr '\n' ';')"
}
rows_of() {  # rows_of LOG: rows of a CSV log so far (0 before it exists)
  [ -f "$1" ] && wc -l <"$1" || echo 0
}
the_rank() {  # the_rank N: the pid of rank N of the running programs
  for pid in $(pgrep -f "$glue train"); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" && echo "$pid"
  done
}
signal_mid_run() {  # signal_mid_run SIGNAL FOLDER [launcher]: glue as 2 ranks, rank 1 (or mpirun)
  # signalled 20 steps in; sets $status
  "$mpiexec" --oversubscribe -np 2 "$glue" train "${long[@]}" --out "$2" >"$work/out" 2>"$work/err" &
  local launcher=$!
  until [ "$(rows_of "$2/log.csv")" -gt 20 ] || ! kill -0 "$launcher" 2>/dev/null; do sleep 0.05; done
  local target
  target=$([ "${3:-}" = launcher ] && echo "$launcher" || the_rank 1)
  kill "-$1" "$target" || fail "no process to send $1 to"
  wait "$launcher"
  status=$?
}

# ---- glue: a toy task of 80 examples; 5 dev examples split 2 + 3 over two ranks.
mkdir -p "$work/task" "$work/badtask"
{
  echo -e "sentence\tlabel"
  for i in $(seq 1 40); do echo -e "a red apple number $i\tfruit"; echo -e "a fast car number $i\tvehicle"; done
} >"$work/task/train.tsv"
printf 'sentence\tlabel\na red apple\tfruit\na fast car\tvehicle\nred car 3\tvehicle\nan apple 7\tfruit\ncar 9\tvehicle\n' >"$work/task/dev.tsv"
printf 'sentence\tlabel\nonly one column\n' >"$work/badtask/train.tsv"
cp "$work/task/dev.tsv" "$work/badtask/"
task=(--task toy --data "$work/task" --heads 2 --max-length 8 --attention R+V --lr 3e-3)
toy=("${task[@]}" --dim 16 --layers 1 --epochs 3)
exact=(--dropout 0 --attention-dropout 0)

check "glue: 1 process, batch 14" 0 "$glue" train "${toy[@]}" "${exact[@]}" --batch-size 14 --out "$work/g1"
check "glue: 2 ranks, batch 7 each" 0 ranks 2 "$glue" train "${toy[@]}" "${exact[@]}" --batch-size 7 --out "$work/g2"
close "glue: 2 ranks x 7 end where 1 process x 14 does" "$work/g1/last.safetensors" "$work/g2/last.safetensors" 1e-4
close_columns "glue: the dev accuracy split over 2 ranks is 1 process's" dev_accuracy "$work/g1/log.csv" "$work/g2/log.csv" 0
[ "$(grep -c "best dev accuracy" "$work/out")" = 1 ] && [ "$(grep -c "^EncoderClassifier:" "$work/err")" = 1 ] &&
  echo "ok: rank 0 alone prints" || fail "not rank 0 alone prints: $(cat "$work/out" "$work/err")"
check "glue: 2 ranks with 10 kB buckets" 0 ranks 2 "$glue" train "${toy[@]}" "${exact[@]}" --batch-size 7 \
  --bucket-mb 0.01 --out "$work/g2small"
identical "glue: --bucket-mb changes how gradients travel, not the result" "$work/g2/last.safetensors" \
  "$work/g2small/last.safetensors"
# 80 examples in batches of 15: the last batch of 5 goes 1 + 2 + 2 over three ranks.
check "glue: 1 process, batch 15" 0 "$glue" train "${toy[@]}" "${exact[@]}" --batch-size 15 --out "$work/g3"
check "glue: 3 ranks, batch 5 each" 0 ranks 3 "$glue" train "${toy[@]}" "${exact[@]}" --batch-size 5 --out "$work/g4"
close "glue: 3 ranks x 5 end where 1 process x 15 does, uneven last batches included" \
  "$work/g3/last.safetensors" "$work/g4/last.safetensors" 1e-4

# --class-weights balanced: each rank's cross-entropy divides by its own rows' class weights, so a
# rank's loss is weighted by its share of the batch's weight (60 fruit against 20 vehicles).
fruit_and_vehicles "$work/imbalanced" 60 20
cp "$work/task/dev.tsv" "$work/imbalanced/"
weighted=(--task toy --data "$work/imbalanced" --heads 2 --max-length 8 --attention R+V --lr 3e-3 --dim 16
          --layers 1 --epochs 3 --class-weights balanced "${exact[@]}")
check "glue: 1 process, batch 14, class weights" 0 "$glue" train "${weighted[@]}" --batch-size 14 --out "$work/w1"
check "glue: 2 ranks, batch 7 each, class weights" 0 ranks 2 "$glue" train "${weighted[@]}" --batch-size 7 --out "$work/w2"
close "glue: with class weights 2 ranks x 7 end where 1 process x 14 does" "$work/w1/last.safetensors" \
  "$work/w2/last.safetensors" 1e-4

# Batches of 39 leave 2 examples: rank 0 gets none of them, ranks 1 and 2 one each.
check "glue: 1 process, batch 39" 0 "$glue" train "${toy[@]}" "${exact[@]}" --batch-size 39 --out "$work/g5"
check "glue: 3 ranks, batch 13 each" 0 ranks 3 "$glue" train "${toy[@]}" "${exact[@]}" --batch-size 13 --out "$work/g6"
close "glue: 3 ranks x 13 end where 1 process x 39 does, a rank without rows included" \
  "$work/g5/last.safetensors" "$work/g6/last.safetensors" 1e-4
check "glue: 3 ranks with dropout" 0 ranks 3 "$glue" train "${toy[@]}" --batch-size 13 --out "$work/g7"
check "glue: 3 ranks stop after the batch of 2" 0 ranks 3 "$glue" train "${toy[@]}" --batch-size 13 --out "$work/g8" --stop-after 3
check "glue: 3 ranks resume" 0 ranks 3 "$glue" train "${toy[@]}" --batch-size 13 --out "$work/g8" --resume
identical "glue: 3 ranks, one without rows, stopped and resumed end bit-identical to an uninterrupted run" \
  "$work/g7/last.safetensors" "$work/g8/last.safetensors"

# With dropout (each rank its own stream): stopped and resumed = uninterrupted, bit for bit.
check "glue: 2 ranks with dropout" 0 ranks 2 "$glue" train "${toy[@]}" --batch-size 7 --out "$work/full"
check "glue: 2 ranks stop after 7 steps" 0 ranks 2 "$glue" train "${toy[@]}" --batch-size 7 --out "$work/half" --stop-after 7
check "glue: 2 ranks resume" 0 ranks 2 "$glue" train "${toy[@]}" --batch-size 7 --out "$work/half" --resume
identical "glue: 2 ranks stopped and resumed end bit-identical to an uninterrupted run" \
  "$work/full/last.safetensors" "$work/half/last.safetensors"
check "glue: resuming a 2-rank run in 1 process is refused" 2 "$glue" train "${toy[@]}" --batch-size 7 --out "$work/half" --resume
grep -q "mpirun -np 2" "$work/err" && echo "ok: the refusal says how to resume" || fail "the refusal says not how: $(cat "$work/err")"

# SIGTERM to rank 1 alone: both ranks stop after the same step, one checkpoint saved, status 143;
# resumed, the run ends as an uninterrupted one does.
long=("${task[@]}" --dim 64 --layers 2 --epochs 150 --batch-size 7)
check "glue: a longer 2-rank run" 0 ranks 2 "$glue" train "${long[@]}" --out "$work/long"
signal_mid_run TERM "$work/signal"
[ "$status" = 143 ] && echo "ok: SIGTERM to rank 1 stops the run with status 143" || fail "SIGTERM to rank 1: status $status"
[ "$(grep -c "stopped: saved" "$work/err")" = 1 ] && echo "ok: one checkpoint saved" || fail "not one checkpoint saved: $(tail -5 "$work/err")"
check "glue: 2 ranks resume after SIGTERM" 0 ranks 2 "$glue" train "${long[@]}" --out "$work/signal" --resume
identical "glue: stopped by SIGTERM to one rank and resumed, the run ends as an uninterrupted one" \
  "$work/long/last.safetensors" "$work/signal/last.safetensors"

# SIGUSR1 to mpirun, which passes it on to every rank at once: a stop after one checkpoint, 138.
signal_mid_run USR1 "$work/usr1" launcher
[ "$status" = 138 ] && [ "$(grep -c "stopped: saved" "$work/err")" = 1 ] &&
  echo "ok: SIGUSR1 to mpirun stops the run after one checkpoint, status 138" ||
  fail "SIGUSR1 to mpirun: status $status, $(grep -c "stopped: saved" "$work/err") checkpoints saved"

# A rank killed outright: the launcher ends the other rather than leaving it waiting.
signal_mid_run KILL "$work/killed"
[ "$status" != 0 ] && [ "$status" != 124 ] && [ -z "$(the_rank 0)" ] &&
  echo "ok: a killed rank ends the run (status $status)" || fail "a killed rank: status $status"
# An error on one rank only (its data is malformed): every rank ends, and the error names the line.
check "glue: an error on rank 1 alone ends both ranks" 1 timeout 120 "$mpiexec" --oversubscribe \
  -np 1 "$glue" train "${toy[@]}" --batch-size 7 --out "$work/error" : \
  -np 1 "$glue" train "${toy[@]/$work\/task/$work/badtask}" --batch-size 7 --out "$work/error"
grep -q "train.tsv:2" "$work/err" && echo "ok: rank 1's error is reported" || fail "rank 1's error is not reported: $(cat "$work/err")"

# glue benchmark: each run data-parallel, rank 0 alone writing the tables.
check "glue benchmark as 2 ranks" 0 ranks 2 "$glue" benchmark --tasks task --data-root "$work" --attention V,R+V \
  --out "$work/bench" --dim 16 --heads 2 --layers 1 --max-length 8 --epochs 2 --batch-size 7
[ "$(grep -c "written to" "$work/out")" = 1 ] && grep -q "R+V" "$work/bench/results.md" &&
  echo "ok: one table, written once" || fail "the benchmark's tables: $(cat "$work/out")"

# A run folder rank 1 cannot see (here: another path, as a node-local --out would be): it stops at
# the start, not after training.
check "glue: a run folder rank 1 does not see" 1 timeout 120 "$mpiexec" --oversubscribe \
  -np 1 "$glue" train "${toy[@]}" --batch-size 7 --out "$work/here" : \
  -np 1 "$glue" train "${toy[@]}" --batch-size 7 --out "$work/elsewhere"
grep -q "rank 1 does not see the run folder" "$work/err" && echo "ok: the error says rank 1 cannot see the folder" ||
  fail "no word of the unseen folder: $(cat "$work/err")"

# ---- lm: windows of a small text; 2 ranks x 4 = 1 process x 8, validation included.
for i in $(seq 1 60); do echo "the quick brown fox $i jumps over the lazy dog and runs away"; done >"$work/text.txt"
small=(--text "$work/text.txt" --dim 16 --heads 2 --layers 1 --context 16 --steps 30 --eval-every 10 --eval-batches 4)
check "lm: 1 process, batch 8" 0 "$lm" train "${small[@]}" --batch-size 8 --out "$work/l1"
check "lm: 2 ranks, batch 4 each" 0 ranks 2 "$lm" train "${small[@]}" --batch-size 4 --out "$work/l2"
close "lm: 2 ranks x 4 end where 1 process x 8 does" "$work/l1/last.safetensors" "$work/l2/last.safetensors" 1e-4
close_columns "lm: the validation loss split over 2 ranks is 1 process's" validation_loss "$work/l1/log.csv" "$work/l2/log.csv" 1e-4
check "lm: 2 ranks with dropout" 0 ranks 2 "$lm" train "${small[@]}" --dropout 0.2 --batch-size 4 --out "$work/lfull"
check "lm: 2 ranks stop after 12 steps" 0 ranks 2 "$lm" train "${small[@]}" --dropout 0.2 --batch-size 4 --out "$work/lhalf" --stop-after 12
check "lm: 2 ranks resume" 0 ranks 2 "$lm" train "${small[@]}" --dropout 0.2 --batch-size 4 --out "$work/lhalf" --resume
identical "lm: 2 ranks stopped and resumed end bit-identical to an uninterrupted run" \
  "$work/lfull/last.safetensors" "$work/lhalf/last.safetensors"

# ---- pretrain: masked positions differ between the ranks' rows, and the loss weighs them.
# Sentences of 3 to 7 words, a document every 1 to 4 of them: rows hold different numbers of
# separators, so the ranks' rows hold different numbers of masked positions.
awk 'BEGIN { srand(7); split("cat dog bird cow", a, " "); split("meows barks sings moos", v, " ")
  for (i = 0; i < 1500; i++) {
    k = int(rand() * 4) + 1; line = "the " a[k] " " v[k]
    if (rand() < 0.5) line = line " and eats an apple"
    print line; if (rand() < 0.4) print ""
  } }' >"$work/corpus.txt"
mlm=(--corpus "$work/corpus.txt" --dim 32 --heads 2 --layers 1 --lr 2e-3 --warmup 5 --validation-fraction 0.1
     --eval-batches 4 --tokenizer word --max-length 32 --steps 20 --eval-every 10)
check "pretrain: 1 process, batch 8" 0 "$pretrain" train "${mlm[@]}" "${exact[@]}" --batch-size 8 --out "$work/p1"
check "pretrain: 2 ranks, batch 4 each" 0 ranks 2 "$pretrain" train "${mlm[@]}" "${exact[@]}" --batch-size 4 --out "$work/p2"
close "pretrain: 2 ranks x 4 end where 1 process x 8 does" "$work/p1/last.safetensors" "$work/p2/last.safetensors" 1e-4
close_columns "pretrain: the validation loss split over 2 ranks is 1 process's" validation_loss "$work/p1/log.csv" "$work/p2/log.csv" 1e-4
check "pretrain: 2 ranks with dropout" 0 ranks 2 "$pretrain" train "${mlm[@]}" --batch-size 4 --out "$work/pfull"
check "pretrain: 2 ranks stop after 8 steps" 0 ranks 2 "$pretrain" train "${mlm[@]}" --batch-size 4 --out "$work/phalf" --stop-after 8
check "pretrain: 2 ranks resume" 0 ranks 2 "$pretrain" train "${mlm[@]}" --batch-size 4 --out "$work/phalf" --resume
identical "pretrain: 2 ranks stopped and resumed end bit-identical to an uninterrupted run" \
  "$work/pfull/last.safetensors" "$work/phalf/last.safetensors"
# Replaced-token detection: each rank draws its rows' samples at their global positions, so 2 ranks
# replace the tokens 1 process does, and the detection loss (every rank judges as many positions)
# is the whole batch's.
check "pretrain rtd: 1 process, batch 8" 0 "$pretrain" train "${mlm[@]}" "${exact[@]}" --objective rtd --batch-size 8 --out "$work/r1"
check "pretrain rtd: 2 ranks, batch 4 each" 0 ranks 2 "$pretrain" train "${mlm[@]}" "${exact[@]}" --objective rtd --batch-size 4 --out "$work/r2"
close "pretrain rtd: 2 ranks x 4 end where 1 process x 8 does" "$work/r1/last.safetensors" "$work/r2/last.safetensors" 1e-4
close_columns "pretrain rtd: the validation detection loss over 2 ranks is 1 process's" validation_detection_loss \
  "$work/r1/log.csv" "$work/r2/log.csv" 1e-4
finish
