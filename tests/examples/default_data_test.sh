#!/usr/bin/env bash
# prepare_default_data (the demo's data, from Debian's WordNet and fortunes): the gloss corpus the
# demo pre-trains on leaves out the glosses of the task's dev and test examples.
# Usage: default_data_test.sh PREPARE_DEFAULT_DATA
set -u
prepare=$1
source "$(dirname "$0")/checks.sh"

check "prepare_default_data writes the data sets" 0 "$prepare" --out "$work/data"
corpus="$work/data/wordnet-glosses.txt"
[ "$(wc -l <"$corpus")" -gt 50000 ] && echo "ok: the gloss corpus has every part of speech's glosses" ||
  fail "the gloss corpus has only $(wc -l <"$corpus") lines"
# Corpus lines are "gloss; examples": their glosses, against the task's sentences.
sed 's/;.*//; s/[ \t]*$//' "$corpus" | sort -u >"$work/corpus_glosses"
found() {  # found TSV COLUMN: how many of the file's sentences are glosses of the corpus
  tail -n +2 "$1" | cut -f"$2" | sort -u | comm -12 - "$work/corpus_glosses" | wc -l
}
# WordNet repeats some glosses word for word across synsets: of the 1,500 dev glosses, 36 are also
# another synset's (WordNet 3.0), and those may match; without the exclusion all would.
train_found=$(found "$work/data/wordnet-lex/train.tsv" 1)
dev_found=$(found "$work/data/wordnet-lex/dev.tsv" 1)
test_found=$(found "$work/data/wordnet-lex/test.tsv" 2)
[ "$train_found" -gt 5000 ] && echo "ok: the training glosses are in the corpus ($train_found)" ||
  fail "only $train_found training glosses are in the corpus"
[ "$dev_found" -lt 100 ] && [ "$test_found" -lt 100 ] &&
  echo "ok: the dev and test glosses are left out ($dev_found and $test_found match other synsets')" ||
  fail "the corpus holds $dev_found dev and $test_found test glosses"
finish
