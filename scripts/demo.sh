#!/usr/bin/env bash
# The README's main job, on data built from Debian packages (no download):
#   1. a 6-way sentence classification task from WordNet glosses (animal, plant, food, person,
#      artifact, location), trained with R+V Synthesizer attention and scored against the
#      majority-class baseline;
#   2. a character-level language model on the `fortunes` quotes, then a sample from it.
# Extra arguments go to `glue train` (e.g. --attention D+V). Runs take about two minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
bin=build/examples
data=build/data
runs=build/runs

$bin/prepare_default_data --out "$data"

echo
echo "== 1. WordNet gloss classification with a Random+Vanilla Synthesizer encoder"
# --overwrite: a second demo replaces the first one's runs (a fresh run refuses a used folder).
$bin/glue train --task wordnet-lex --data "$data/wordnet-lex" --out "$runs/wordnet" --overwrite \
  --attention R+V --layers 2 --dim 128 --heads 4 --max-length 48 --epochs 2 "$@"
$bin/glue predict --checkpoint "$runs/wordnet/best.safetensors" --data "$data/wordnet-lex" \
  --out "$runs/wordnet/test_predictions.tsv"

echo
echo "== 2. A character-level language model on fortunes"
$bin/lm train --text "$data/fortunes.txt" --out "$runs/fortunes" --overwrite --attention R+V \
  --layers 2 --dim 128 --context 64 --batch-size 16 --steps 400 --warmup 40 --eval-every 200
echo
echo "== Sample (temperature 0.8, top-k 40):"
$bin/lm sample --checkpoint "$runs/fortunes/best.safetensors" --prompt "The " --tokens 300 --seed 1
