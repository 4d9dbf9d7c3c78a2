#!/usr/bin/env bash
# The README's main job, on data built from Debian packages (no download):
#   1. a 6-way sentence classification task from WordNet glosses (animal, plant, food, person,
#      artifact, location), trained with R+V Synthesizer attention and scored against the
#      majority-class baseline;
#   2. the same task from pre-trained word vectors: skip-gram on every other WordNet gloss, then
#      the same fine-tuning, beside the figure from scratch;
#   3. a character-level language model on the `fortunes` quotes, then a sample from it.
# `--attention X` first chooses the variant (R+V by default) of all three models; other arguments
# go to both `glue train` runs (e.g. --seed 3). About 70 s on an idle 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
attention=R+V
if [ "${1:-}" = "--attention" ]; then
  attention=${2:?"demo: --attention needs a variant, e.g. D+V"}
  shift 2
fi
scripts/build.sh >/dev/null
bin=build/examples
data=build/data
runs=build/runs
mkdir -p "$runs"  # tee writes there before the first program has made it

$bin/prepare_default_data --out "$data"

echo
echo "== 1. WordNet gloss classification with $attention attention, from scratch"
# --overwrite: a second demo replaces the first one's runs (a fresh run refuses a used folder).
trunk=(--attention "$attention" --layers 2 --dim 128 --heads 4 --max-length 48)
$bin/glue train --task wordnet-lex --data "$data/wordnet-lex" --out "$runs/wordnet" --overwrite \
  "${trunk[@]}" --pooling mean --epochs 2 "$@" | tee "$runs/wordnet.out"
$bin/glue predict --checkpoint "$runs/wordnet/best.safetensors" --data "$data/wordnet-lex" \
  --out "$runs/wordnet/test_predictions.tsv"

echo
echo "== 2. The same from pre-trained word vectors (skip-gram on the other WordNet glosses)"
$bin/pretrain train --corpus "$data/wordnet-glosses.txt" --out "$runs/glosses" --overwrite \
  "${trunk[@]}" --tokenizer word --min-count 3 --skipgram-epochs 3 --steps 0
$bin/glue train --task wordnet-lex --data "$data/wordnet-lex" --out "$runs/wordnet-pretrained" \
  --overwrite --init-from "$runs/glosses/best.safetensors" --pooling mean --epochs 2 "$@" |
  tee "$runs/wordnet-pretrained.out"
echo "dev accuracy from scratch: $(grep -o 'best dev accuracy [0-9.]*' "$runs/wordnet.out" | cut -d' ' -f4)," \
  "from skip-gram vectors: $(grep -o 'best dev accuracy [0-9.]*' "$runs/wordnet-pretrained.out" | cut -d' ' -f4)"

echo
echo "== 3. A character-level language model on fortunes"
$bin/lm train --text "$data/fortunes.txt" --out "$runs/fortunes" --overwrite --attention "$attention" \
  --layers 2 --dim 128 --context 64 --batch-size 16 --steps 400 --warmup 40 --eval-every 200
echo
echo "== Sample (temperature 0.8, top-k 40):"
$bin/lm sample --checkpoint "$runs/fortunes/best.safetensors" --prompt "The " --tokens 300 --seed 1
