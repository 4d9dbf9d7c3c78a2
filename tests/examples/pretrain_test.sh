#!/usr/bin/env bash
# End-to-end checks of the pretrain program on a tiny generated corpus: exit codes for bad flags and
# corpora, masked-language-model training that learns (the validation MLM loss falls, the
# masked-token accuracy ends far above chance), figures reported for the best model rather than the
# last, a run stopped half-way and resumed that ends bit-identical to an uninterrupted one, Ctrl-C,
# a fresh run refused in a folder holding a run, both tokenizers, the train/valid corpus layout, a
# frozen embedding, skip-gram vectors, token weights, replaced-token detection and next-token
# prediction.
# Usage: pretrain_test.sh PRETRAIN_BINARY CHECKPOINT_DIFFERENCE_BINARY
set -u
pretrain=$1 difference=$2
source "$(dirname "$0")/checks.sh"

# Sentences of a tiny grammar: the verb follows from the animal and the fruit from the colour, the
# rest is fixed, so the masked words are predictable from their context. A blank line ends every
# fifth sentence's document.
sentences() {  # sentences COUNT SEED
  awk -v n="$1" -v seed="$2" 'BEGIN { srand(seed)
    split("cat dog bird cow", animal, " "); split("meows barks sings moos", verb, " ")
    split("red yellow green", colour, " "); split("apple banana lime", fruit, " ")
    for (i = 0; i < n; i++) {
      a = int(rand() * 4) + 1; c = int(rand() * 3) + 1
      print "the " animal[a] " " verb[a] " and eats a " colour[c] " " fruit[c] " today"
      if (i % 5 == 4) print ""
    } }'
}
sentences 3000 7 >"$work/corpus.txt"
model=(--dim 64 --heads 2 --layers 1 --batch-size 16 --lr 2e-3 --warmup 30 --dropout 0 --attention-dropout 0
       --validation-fraction 0.1 --eval-batches 4)
words=(--tokenizer word --max-length 32)

check "pretrain without a subcommand" 2 "$pretrain"
check "pretrain --help" 0 "$pretrain" train --help
check "pretrain with an unknown flag" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/a" --bogus
check "pretrain with a bad value" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/a" --lr -1
# A batch no machine holds is refused before anything is read or written (it ran out of memory).
check "pretrain with a batch too large for memory" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/huge" \
  --batch-size 100000000
grep -q -- "--batch-size 100000000: a step of 100000000 sequences" "$work/err" && [ ! -e "$work/huge" ] &&
  echo "ok: the batch error names the flag, and no folder was made" || fail "huge batch: $(cat "$work/err")"
check "pretrain with a shuffle block too large for memory" 2 "$pretrain" train --corpus "$work/corpus.txt" \
  --out "$work/huge" --shuffle-block 100000000000
grep -q -- "--shuffle-block 100000000000: a block of" "$work/err" && [ ! -e "$work/huge" ] &&
  echo "ok: the block error names the flag" || fail "huge block: $(cat "$work/err")"
check "pretrain with an unknown tokenizer" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/a" --tokenizer char
check "pretrain without a corpus" 2 "$pretrain" train --out "$work/a"
check "pretrain on a missing corpus" 2 "$pretrain" train --corpus "$work/none.txt" --out "$work/a"
: >"$work/empty.txt"
check "pretrain on an empty corpus" 1 "$pretrain" train --corpus "$work/empty.txt" --out "$work/a"
grep -q "empty.txt" "$work/err" && echo "ok: the error names the file" || fail "the error does not name the file: $(cat "$work/err")"
sentences 20 1 >"$work/small.txt"
check "pretrain on a validation part too small for a sequence" 1 "$pretrain" train --corpus "$work/small.txt" \
  --out "$work/small" "${model[@]}" --tokenizer word --max-length 128
grep -q -- "--validation-fraction" "$work/err" && echo "ok: the error says what to change" ||
  fail "the error does not say what to change: $(cat "$work/err")"

check "pretrain trains" 0 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/full" "${model[@]}" "${words[@]}" \
  --steps 300 --eval-every 100 --shuffle-block 64
for file in best.safetensors last.safetensors best.tokenizer log.csv curves.svg; do
  [ -s "$work/full/$file" ] || fail "no $file in the run folder"
done
# "best model: validation MLM loss 1.3525, masked-token accuracy 0.5321 (chance 0.0417); ..."
grep -o 'masked-token accuracy [0-9.]* (chance [0-9.]*' "$work/out" | tr -d '(' |
  awk '{ learnt = NF == 5 && $3 > 0.3 && $3 > 5 * $5 } END { exit !learnt }' && echo "ok: pretrain learns: $(head -1 "$work/out")" ||
  fail "the masked-token accuracy is not far above chance: $(head -1 "$work/out")"
column validation_loss "$work/full/log.csv" | grep -v nan | awk 'NR == 1 { first = $1 } END { exit !(NR == 3 && $1 < first - 0.5) }' &&
  echo "ok: the validation MLM loss falls" ||
  fail "the validation MLM loss does not fall: $(column validation_loss "$work/full/log.csv" | grep -v nan | paste -sd ' ')"
# The figures reported beside best.safetensors are that model's: the lowest logged validation loss
# (every evaluation scores the same masked batches).
reported=$(grep -o 'validation MLM loss [0-9.]*' "$work/out" | awk '{ print $4 }')
column validation_loss "$work/full/log.csv" | grep -v nan |
  awk -v reported="${reported:-nan}" '{ if (min == "" || $1 < min) min = $1 }
  END { exit !(reported - min < 1e-3 && min - reported < 1e-3) }' && echo "ok: the best model's loss is reported" ||
  fail "reported $reported, not the lowest logged loss: $(column validation_loss "$work/full/log.csv" | grep -v nan | paste -sd ' ')"
# The checkpoint's config keeps the segment embedding that pair tasks fine-tune.
grep -a -q '\\"segments\\":2' "$work/full/best.safetensors" && echo "ok: the config has two segments" ||
  fail "the checkpoint's config does not have two segments"

# Stopped in the middle of a shuffle block and resumed, the run ends where an uninterrupted one does.
check "pretrain stops half-way" 0 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/half" "${model[@]}" "${words[@]}" \
  --steps 300 --eval-every 100 --shuffle-block 64 --stop-after 150
# Another objective (another model) or corpus is refused by name, before the checkpoint loads.
check "pretrain refuses to resume with another objective" 2 "$pretrain" train --corpus "$work/corpus.txt" \
  --out "$work/half" "${model[@]}" "${words[@]}" --steps 300 --eval-every 100 --shuffle-block 64 --resume --objective rtd
grep -q -- "it was started with --objective mlm --corpus $(cd "$work" && pwd -P)/corpus.txt and this run is given --objective rtd" \
  "$work/err" && echo "ok: the refusal names the objective and corpus" || fail "resume with rtd: $(cat "$work/err")"
check "pretrain resumes" 0 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/half" "${model[@]}" "${words[@]}" \
  --steps 300 --eval-every 100 --shuffle-block 64 --resume
cmp -s "$work/full/last.safetensors" "$work/half/last.safetensors" && echo "ok: resumed run is bit-identical" ||
  fail "the resumed run differs from the uninterrupted one"

# Ctrl-C saves the checkpoint a resume continues from, and exits with 130.
"$pretrain" train --corpus "$work/corpus.txt" --out "$work/interrupted" "${model[@]}" "${words[@]}" --steps 1000000 \
  >"$work/out" 2>"$work/err" &
trainer=$!
for _ in $(seq 1 100); do [ "$( { wc -l <"$work/interrupted/log.csv"; } 2>/dev/null || echo 0)" -gt 5 ] && break; sleep 0.1; done
kill -INT "$trainer"
wait "$trainer"
status=$?
[ "$status" -eq 130 ] && [ -s "$work/interrupted/last.safetensors" ] && grep -q -- "--resume" "$work/err" &&
  echo "ok: Ctrl-C saves a checkpoint and exits 130" || fail "Ctrl-C: exit $status, $(tail -1 "$work/err")"

cp "$work/full/log.csv" "$work/full_log.csv"
check "pretrain refuses a fresh run into a folder holding a run" 2 "$pretrain" train --corpus "$work/corpus.txt" \
  --out "$work/full" "${model[@]}" "${words[@]}" --steps 3
grep -q -- "--resume" "$work/err" && grep -q -- "--overwrite" "$work/err" && echo "ok: the refusal names the ways out" ||
  fail "the refusal names no way out: $(cat "$work/err")"
cmp -s "$work/full/log.csv" "$work/full_log.csv" && echo "ok: the refused run left the earlier run alone" ||
  fail "the refused run changed the earlier run's log"

# WikiText / PTB layout: the valid file validates, the test file is left out; SentencePiece pieces.
mkdir -p "$work/ptb"
sentences 2000 11 >"$work/ptb/train.txt" && sentences 300 12 >"$work/ptb/valid.txt" && echo "zzz" >"$work/ptb/test.txt"
check "pretrain with SentencePiece on train/valid files" 0 "$pretrain" train --corpus "$work/ptb" --out "$work/pieces" \
  "${model[@]}" --max-length 32 --tokenizer sentencepiece --vocab-size 60 --steps 300 --eval-every 100
grep -q "1 training / 1 validation file part(s); sentencepiece tokenizer" "$work/err" &&
  echo "ok: the valid file validates, with SentencePiece" || fail "wrong corpus parts or tokenizer: $(grep corpus: "$work/err")"
grep -o 'masked-token accuracy [0-9.]* (chance [0-9.]*' "$work/out" | tr -d '(' |
  awk '{ learnt = NF == 5 && $3 > 5 * $5 } END { exit !learnt }' &&
  echo "ok: pretrain learns SentencePiece pieces: $(head -1 "$work/out")" ||
  fail "the masked-token accuracy on pieces is low: $(head -1 "$work/out")"

# Several files: each one's end is held back for validation.
sentences 500 21 >"$work/one.txt" && sentences 500 22 >"$work/two.txt"
check "pretrain on two files" 0 "$pretrain" train --corpus "$work/one.txt" "$work/two.txt" --out "$work/two_files" \
  "${model[@]}" "${words[@]}" --steps 5
grep -q "2 training / 2 validation file part(s) (validation held back" "$work/err" && echo "ok: every file is split" ||
  fail "the files are not each split: $(grep corpus: "$work/err")"

# Validation on words the training text almost never has: the validation loss rises as the model
# learns the training text, so the best model is the first evaluation's, and the figures reported
# must be that model's, not the last one's.
mkdir -p "$work/rare"
{ cat "$work/corpus.txt"; echo "zebra quokka okapi tapir"; echo "zebra quokka okapi tapir"; } >"$work/rare/train.txt"
for i in $(seq 1 300); do echo "zebra quokka okapi tapir zebra okapi"; done >"$work/rare/valid.txt"
check "pretrain validates on rare words" 0 "$pretrain" train --corpus "$work/rare" --out "$work/rare_run" "${model[@]}" \
  "${words[@]}" --steps 100 --eval-every 25
reported=$(grep -o 'validation MLM loss [0-9.]*' "$work/out" | awk '{ print $4 }')
column validation_loss "$work/rare_run/log.csv" | grep -v nan |
  awk -v reported="${reported:-nan}" 'NR == 1 { first = $1 } { last = $1 }
  END { exit !(last > first + 1 && reported - first < 1e-3 && first - reported < 1e-3) }' &&
  echo "ok: the reported loss is the best model's, not the last one's" ||
  fail "reported $reported, not the first and best logged loss: $(column validation_loss "$work/rare_run/log.csv" | grep -v nan | paste -sd ' ')"

# --embedding-lr-scale 0 trains the blocks and leaves the token embedding as it started (the
# start a run with --steps 0 saves; "full" above trained it at the full rate).
check "pretrain saves its starting trunk" 0 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/start" \
  "${model[@]}" "${words[@]}" --steps 0
# --overwrite sets the earlier run aside until a model of the new one is saved: here at once.
check "pretrain --steps 0 overwrites its starting trunk" 0 "$pretrain" train --corpus "$work/corpus.txt" \
  --out "$work/start" "${model[@]}" "${words[@]}" --steps 0 --overwrite
[ -s "$work/start/best.safetensors" ] && [ ! -e "$work/start/.earlier-run" ] &&
  echo "ok: the overwritten run is gone once the new model is saved" || fail "left: $(ls -a "$work/start")"
check "pretrain with the embedding frozen" 0 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/frozen" \
  "${model[@]}" "${words[@]}" --steps 20 --embedding-lr-scale 0
within 0 "$work/start/best.safetensors" "$work/frozen/best.safetensors" trunk.tokens.weight &&
  echo "ok: the frozen embedding is as it started" || fail "the frozen embedding moved: $difference_found"
within 0 "$work/start/best.safetensors" "$work/full/best.safetensors" trunk.tokens.weight &&
  fail "the embedding did not move at the full rate" || echo "ok: at the full rate the embedding moves"
# A number above 0: the blocks exist and moved.
! within 0 "$work/start/best.safetensors" "$work/frozen/best.safetensors" trunk.blocks. &&
  awk -v d="$difference_found" 'BEGIN { exit !(d > 0) }' &&
  echo "ok: the blocks learn while the embedding is frozen" || fail "the blocks did not learn: $difference_found"

# --skipgram-epochs starts the embedding from word vectors (their training: test_skipgram), the
# same ones for the same seed; --skipgram-window reaches them.
vectors=(--corpus "$work/corpus.txt" "${model[@]}" "${words[@]}" --steps 0 --skipgram-epochs 1)
check "pretrain with skip-gram vectors" 0 "$pretrain" train "${vectors[@]}" --out "$work/vectors"
check "pretrain with the same skip-gram vectors" 0 "$pretrain" train "${vectors[@]}" --out "$work/vectors_again"
check "pretrain with skip-gram of window 1" 0 "$pretrain" train "${vectors[@]}" --out "$work/vectors_w1" --skipgram-window 1
grep -q 'skip-gram epoch 1/1' "$work/err" && ! within 0 "$work/start/best.safetensors" "$work/vectors/best.safetensors" trunk.tokens.weight &&
  within 0 "$work/vectors/best.safetensors" "$work/vectors_again/best.safetensors" &&
  ! within 0 "$work/vectors/best.safetensors" "$work/vectors_w1/best.safetensors" trunk.tokens.weight &&
  echo "ok: skip-gram sets the embedding, the same for the same seed, and its window counts" ||
  fail "skip-gram vectors: $difference_found"
check "pretrain with --skipgram-window but no skip-gram" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/x" --skipgram-window 2
grep -q -- "--skipgram-window applies with --skipgram-epochs above 0 only" "$work/err" && echo "ok: the refusal says why" ||
  fail "no reason given: $(cat "$work/err")"
check "pretrain with a skip-gram window of 0" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/x" --skipgram-epochs 1 --skipgram-window 0

# --token-weights saves a weight per token with the trunk (their values: test_token_weights); two
# values of a give different weights; without the flag the trunk has none.
check "pretrain with token weights" 0 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/weights" \
  "${model[@]}" "${words[@]}" --steps 0 --token-weights 1e-2
check "pretrain with other token weights" 0 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/weights2" \
  "${model[@]}" "${words[@]}" --steps 0 --token-weights 0.5
within 0 "$work/weights/best.safetensors" "$work/start/best.safetensors" trunk.tokens.weight &&
  ! within 0 "$work/weights/best.safetensors" "$work/weights2/best.safetensors" trunk.token_weights &&
  awk -v d="$difference_found" 'BEGIN { exit !(d > 0 && d < 1) }' &&
  echo "ok: the token weights are saved and depend on a" || fail "token weights: $difference_found"
! within 0 "$work/start/best.safetensors" "$work/start/best.safetensors" trunk.token_weights &&
  [[ $difference_found == *"no tensor of the first checkpoint is named 'trunk.token_weights"* ]] &&
  echo "ok: without the flag no token weights" || fail "a trunk pre-trained without --token-weights: $difference_found"
# Token counts cover the whole text: on a corpus shorter than one 1024-token run they were all 0.
for i in $(seq 1 40); do echo "the cat sat on the mat number $((i % 5))"; done >"$work/short.txt"
check "pretrain counts the tokens of a short corpus" 0 "$pretrain" train --corpus "$work/short.txt" \
  --out "$work/short" --tokenizer word --token-weights 1e-3 --steps 0 --dim 16 --heads 2 --layers 1 \
  --max-length 16 --validation-fraction 0.2 --batch-size 2 --eval-batches 1
# The logged epoch is the one being trained: the packer reads a whole shuffle block (2048
# sequences, many passes over this corpus) ahead, and its count said epoch 13 at step 3.
check "pretrain logs the epoch being trained" 0 "$pretrain" train --corpus "$work/short.txt" \
  --out "$work/short_epoch" --tokenizer word --steps 3 --eval-every 3 --dim 16 --heads 2 --layers 1 \
  --max-length 16 --validation-fraction 0.2 --batch-size 2 --eval-batches 1
[ "$(column epoch "$work/short_epoch/log.csv" | paste -sd ' ')" = "0 0 0" ] &&
  echo "ok: epoch 0 for the first steps" || fail "epochs logged: $(column epoch "$work/short_epoch/log.csv" | paste -sd ' ')"
# --objective rtd (ELECTRA): the trunk learns to spot the generator's replacements; its log has the
# detection columns; stopped and resumed it ends bit-identical (the sampling stream is restored).
rtd=(--corpus "$work/corpus.txt" "${model[@]}" "${words[@]}" --objective rtd --detection-weight 10 --steps 400 --eval-every 100)
check "pretrain by replaced-token detection" 0 "$pretrain" train "${rtd[@]}" --out "$work/rtd"
grep -q 'replaced-token detection: validation loss [0-9.]*, accuracy [0-9.]*' "$work/out" &&
  echo "ok: rtd reports its detection figures" || fail "no detection figures: $(cat "$work/out")"
# Saying "original" everywhere scores about 0.87 here: the evaluations' accuracy must rise from
# that while the detection loss falls.
paste -d ' ' <(column validation_detection_loss "$work/rtd/log.csv") \
  <(column validation_detection_accuracy "$work/rtd/log.csv") | grep -v nan |
  awk 'NR == 1 { loss = $1; accuracy = $2 } END { exit !(NR == 4 && $1 < loss - 0.03 && $2 > accuracy + 0.01) }' &&
  echo "ok: the detection loss falls and its accuracy rises" ||
  fail "detection in the log: $(column validation_detection_accuracy "$work/rtd/log.csv" | grep -v nan | paste -sd ' ')"
check "pretrain by rtd stops half-way" 0 "$pretrain" train "${rtd[@]}" --out "$work/rtd_half" --stop-after 150
check "pretrain by rtd resumes" 0 "$pretrain" train "${rtd[@]}" --out "$work/rtd_half" --resume
cmp -s "$work/rtd/last.safetensors" "$work/rtd_half/last.safetensors" && echo "ok: resumed rtd run is bit-identical" ||
  fail "the resumed rtd run differs from the uninterrupted one"
check "pretrain with --detection-weight but mlm" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/x" --detection-weight 5
grep -q -- "--detection-weight applies to --objective rtd only" "$work/err" && echo "ok: the refusal says why" ||
  fail "no reason given: $(cat "$work/err")"
# --objective clm (GPT): in this grammar 8 of the 10 next words follow from the one before; a
# resumed run ends bit-identical (no masks are drawn).
clm=(--corpus "$work/corpus.txt" "${model[@]}" "${words[@]}" --objective clm --steps 300 --eval-every 100)
check "pretrain by next-token prediction" 0 "$pretrain" train "${clm[@]}" --out "$work/clm"
grep -o 'next-token accuracy [0-9.]* (chance [0-9.]*' "$work/out" | tr -d '(' |
  awk '{ learnt = NF == 5 && $3 > 0.5 } END { exit !learnt }' && echo "ok: clm learns: $(head -1 "$work/out")" ||
  fail "the next-token accuracy is not above 0.5: $(cat "$work/out")"
check "pretrain by clm stops half-way" 0 "$pretrain" train "${clm[@]}" --out "$work/clm_half" --stop-after 150
check "pretrain by clm resumes" 0 "$pretrain" train "${clm[@]}" --out "$work/clm_half" --resume
cmp -s "$work/clm/last.safetensors" "$work/clm_half/last.safetensors" && echo "ok: resumed clm run is bit-identical" ||
  fail "the resumed clm run differs from the uninterrupted one"
# A clustered softmax (the head: the specials and the five fixed words) learns the same grammar.
check "pretrain by clm with a clustered softmax" 0 "$pretrain" train "${clm[@]}" --softmax-cutoffs 10,17 --out "$work/clm_clustered"
grep -o 'next-token accuracy [0-9.]* (chance [0-9.]*' "$work/out" | tr -d '(' |
  awk '{ learnt = NF == 5 && $3 > 0.5 } END { exit !learnt }' && echo "ok: the clustered clm learns: $(head -1 "$work/out")" ||
  fail "the clustered clm's next-token accuracy is not above 0.5: $(cat "$work/out")"
check "pretrain by clustered clm stops half-way" 0 "$pretrain" train "${clm[@]}" --softmax-cutoffs 10,17 --out "$work/clm_clustered_half" --stop-after 150
check "pretrain by clustered clm resumes" 0 "$pretrain" train "${clm[@]}" --softmax-cutoffs 10,17 --out "$work/clm_clustered_half" --resume
cmp -s "$work/clm_clustered/last.safetensors" "$work/clm_clustered_half/last.safetensors" &&
  echo "ok: resumed clustered clm run is bit-identical" || fail "the resumed clustered clm run differs from the uninterrupted one"
check "pretrain resumed with other softmax cutoffs" 2 "$pretrain" train "${clm[@]}" --softmax-cutoffs 10,18 --out "$work/clm_clustered_half" --resume
grep -q -- "--softmax-cutoffs 10,18 contradicts the run being resumed .*, whose softmax_cutoffs is 10,17" "$work/err" && echo "ok: the resume names the contradicting flag" ||
  fail "resumed with other cutoffs: $(cat "$work/err")"
check "pretrain with softmax cutoffs past the vocabulary" 1 "$pretrain" train "${clm[@]}" --softmax-cutoffs 10,500 --out "$work/clm_cut"
grep -q "softmax cutoffs 10,500 must increase inside (0, " "$work/err" && echo "ok: the cutoffs error names them" ||
  fail "cutoffs past the vocabulary: $(cat "$work/err")"
check "pretrain with softmax cutoffs but mlm" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/x" --softmax-cutoffs 10
grep -q -- "--softmax-cutoffs applies to --objective clm only" "$work/err" && echo "ok: the refusal says why" ||
  fail "no reason given: $(cat "$work/err")"
check "pretrain with an unknown objective" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/x" --objective gpt
check "pretrain with a negative a" 2 "$pretrain" train --corpus "$work/corpus.txt" --out "$work/x" --token-weights -1
finish
