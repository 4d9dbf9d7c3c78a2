#!/usr/bin/env bash
# lm train on standard train / valid / test splits with the word-level LM tokenizer, end to end:
# the best model's validation and test perplexity over the whole splits (finite, below a uniform
# guess, exp of the loss, in results.json), a vocabulary of the training words plus <eos>, the same
# run from a WikiText-style --data folder, and usage errors. Usage: lm_splits_test.sh LM_BINARY
set -u
lm=$1
source "$(dirname "$0")/checks.sh"

# The corpus's own <unk> and blank lines; "bird" and "a" are not in the training text.
for i in $(seq 1 30); do echo "the cat sat on the mat ."; echo "the dog saw a <unk> ."; echo; done >"$work/train.txt"
for i in $(seq 1 6); do echo "the dog sat on the mat ."; echo "the cat saw a bird ."; done >"$work/valid.txt"
for i in $(seq 1 6); do echo "the cat sat on the <unk> ."; echo; done >"$work/test.txt"
model=(--tokenizer word --dim 16 --heads 2 --layers 1 --context 8 --batch-size 8 --steps 60 --lr 1e-2
       --eval-every 20 --eval-batches 4)
splits=(--train "$work/train.txt" --valid "$work/valid.txt" --test "$work/test.txt")

check "lm trains on train / valid / test files" 0 "$lm" train "${splits[@]}" "${model[@]}" --out "$work/files"
best_line=$(grep '^best model:' "$work/out")
echo "  $best_line"
# Ordinary tokens: the distinct training words (<unk> among them) and <eos>; the five specials.
vocab=$(($(tr -s ' \n' '\n\n' <"$work/train.txt" | grep -v '^$' | sort -u | wc -l) + 1 + 5))
grep -qE "\"vocab_size\": $vocab(,|\$)" "$work/files/results.json" && echo "ok: the vocabulary is the training words and <eos>" ||
  fail "results.json does not give vocab_size $vocab: $(grep vocab_size "$work/files/results.json")"
for split in validation test; do
  # "<split> loss L (perplexity P)": P finite, exp(L), and below the uniform guess's perplexity.
  echo "$best_line" | grep -o "$split loss [0-9.]* (perplexity [0-9.]*)" | tr -d '()' |
    awk -v vocab="$vocab" '{ loss = $3; ppl = $5 }
      END { exit !(NR == 1 && ppl > 1 && ppl < vocab / 2 && (ppl - exp(loss)) ^ 2 < 1e-4 * ppl ^ 2) }' &&
    echo "ok: $split perplexity is finite, exp of the loss and below a uniform guess" ||
    fail "no sound $split perplexity in: $best_line"
done
[ "$(grep -c '"perplexity"' "$work/files/results.json")" -eq 2 ] && grep -q '"test": {' "$work/files/results.json" &&
  echo "ok: results.json holds the validation and test scores" || fail "results.json: $(cat "$work/files/results.json")"
grep -q '"lines": true' "$work/files/best.tokenizer" && echo "ok: the tokenizer saves the LM convention" ||
  fail "the saved tokenizer does not keep the LM convention"

# Two training files: the first without a final newline, the second starting with a byte-order
# mark. Neither joins its words to the other's nor brings the mark into the vocabulary.
mkdir -p "$work/two"
{ for i in $(seq 1 20); do echo "alpha beta gamma ."; done; printf 'alpha beta omega'; } >"$work/two/a.train.txt"
{ printf '\xef\xbb\xbf'; for i in $(seq 1 20); do echo "delta alpha beta ."; done; } >"$work/two/b.train.txt"
cp "$work/two/a.train.txt" "$work/two/valid.txt"
check "lm trains on two training files" 0 "$lm" train --data "$work/two" "${model[@]}" --out "$work/two_run"
! grep -q 'omegadelta\|omega\\u00efdelta' "$work/two_run/best.tokenizer" && grep -q '"omega"' "$work/two_run/best.tokenizer" &&
  ! grep -q $'\xef\xbb\xbf' "$work/two_run/best.tokenizer" && ! grep -qi 'ufeff' "$work/two_run/best.tokenizer" &&
  echo "ok: files are read apart, without the byte-order mark" || fail "joined or marked words: $(cat "$work/two_run/best.tokenizer")"

mkdir -p "$work/wiki" "$work/ptb"
for split in train valid test; do cp "$work/$split.txt" "$work/wiki/wiki.$split.tokens"; done
check "lm trains on a WikiText folder" 0 "$lm" train --data "$work/wiki" "${model[@]}" --out "$work/wiki_run"
[ "$(grep '^best model:' "$work/out")" = "$best_line" ] && echo "ok: --data finds the same three splits" ||
  fail "--data differs from the files: $(grep '^best model:' "$work/out")"
cp "$work/train.txt" "$work/ptb/ptb.train.txt" && cp "$work/valid.txt" "$work/ptb/ptb.valid.txt"
check "lm trains on a PTB folder without a test file" 0 "$lm" train --data "$work/ptb" "${model[@]}" --out "$work/ptb_run"
grep -q '^best model: validation loss' "$work/out" && ! grep -q 'test loss' "$work/out" &&
  echo "ok: no test split, no test score" || fail "without a test file: $(cat "$work/out")"

! grep -q 'warning' "$work/err" && echo "ok: no warning about unknown tokens for splits in the training words" ||
  fail "a warning for ordinary splits: $(cat "$work/err")"

# A validation file in another script: characters the training text lacks are [UNK].
for i in $(seq 1 10); do echo "η γάτα κάθεται στο χαλί ."; done >"$work/greek.txt"
check "lm with a validation file in another script" 0 "$lm" train --train "$work/train.txt" --valid "$work/greek.txt" \
  --tokenizer char --dim 16 --heads 2 --layers 1 --context 8 --batch-size 8 --steps 2 --out "$work/greek_run"
grep -q "warning: 7[0-9.]*% of the tokens of .*greek.txt are \[UNK\]" "$work/err" &&
  echo "ok: the mostly unknown split is named with its share" || fail "no warning: $(cat "$work/err")"

# Bytes that are not UTF-8 are refused as pretrain refuses them (they were read as characters).
{ echo "the cat sat"; printf 'on the \xff mat\n'; } >"$work/latin1.txt"
check "lm on a file that is not UTF-8" 1 "$lm" train --train "$work/train.txt" --valid "$work/latin1.txt" "${model[@]}" \
  --out "$work/latin1_run"
grep -q "latin1.txt' is not UTF-8 text at byte 19 (line 2)" "$work/err" && echo "ok: the error names the byte and line" ||
  fail "not UTF-8: $(cat "$work/err")"

# A clustered softmax: the head the five specials and three most frequent words, two clusters.
check "lm trains with a clustered softmax" 0 "$lm" train "${splits[@]}" "${model[@]}" --softmax-cutoffs 8,12 --out "$work/clustered"
grep '^best model:' "$work/out" | grep -o "test loss [0-9.]* (perplexity [0-9.]*)" | tr -d '()' |
  awk -v vocab="$vocab" '{ ppl = $5 } END { exit !(NR == 1 && ppl > 1 && ppl < vocab / 2) }' &&
  echo "ok: the clustered softmax's test perplexity is below a uniform guess" ||
  fail "no sound clustered perplexity in: $(grep '^best model:' "$work/out")"
grep -q 'softmax_cutoffs[^0-9]*\[8,12\]' "$work/clustered/best.safetensors" && echo "ok: the model keeps its cutoffs" ||
  fail "best.safetensors does not hold the softmax cutoffs"
check "lm with softmax cutoffs past the vocabulary" 1 "$lm" train "${splits[@]}" "${model[@]}" --softmax-cutoffs 8,16 --out "$work/e8"
grep -q "softmax cutoffs 8,16 must increase inside (0, 16)" "$work/err" && echo "ok: the error names the cutoffs and the vocabulary" ||
  fail "cutoffs past the vocabulary: $(cat "$work/err")"
check "lm with --text and --train" 2 "$lm" train --text "$work/train.txt" "${splits[@]}" "${model[@]}" --out "$work/e1"
check "lm with a missing valid file" 2 "$lm" train --train "$work/train.txt" --valid "$work/none.txt" "${model[@]}" --out "$work/e2"
grep -q "none.txt" "$work/err" || fail "the error does not name the missing file: $(cat "$work/err")"
check "lm with --train but no --valid" 2 "$lm" train --train "$work/train.txt" "${model[@]}" --out "$work/e3"
check "lm without any text" 2 "$lm" train "${model[@]}" --out "$work/e4"
check "lm with --data and --test" 2 "$lm" train --data "$work/wiki" --test "$work/test.txt" "${model[@]}" --out "$work/e5"
mkdir -p "$work/notes" && cp "$work/train.txt" "$work/notes/notes.txt"
check "lm on a folder without train and valid files" 2 "$lm" train --data "$work/notes" "${model[@]}" --out "$work/e6"
echo "the cat" >"$work/short.txt"
check "lm with a test file shorter than the context" 1 "$lm" train --train "$work/train.txt" --valid "$work/valid.txt" \
  --test "$work/short.txt" "${model[@]}" --out "$work/e7"
grep -q "short.txt has 3 tokens" "$work/err" || fail "the error does not name the short file: $(cat "$work/err")"
[ ! -e "$work/e7/best.safetensors" ] && echo "ok: no training before the short file is found" || fail "trained before the check"

finish
