#!/usr/bin/env bash
# Checks that the test suite notices when the model is broken on purpose: each mutation below
# changes one line of the library (drops the next-token shift, moves the LayerNorm after the
# residual, skips loading...), rebuilds, runs every test, and expects at least one to fail. The
# source is restored after each mutation, whatever happens. See docs/testing.md.
#
#   scripts/mutation_check.sh            # every mutation
#   scripts/mutation_check.sh shift norm # only those whose name contains one of the words
#
# A mutation whose text is no longer found is reported as stale: after a refactor, update its
# line here to the new code so that the check keeps its meaning.
set -uo pipefail
cd "$(dirname "$0")/.."

# name | file | text to find (exactly once) | replacement
mutations=(
  "shift|models/causal_lm.cpp|ids.narrow(1, 1, length)|ids.narrow(1, 0, length)"
  "post-norm|nn/transformer_block.cpp|Variable h = x + dropout_->forward(mixer->forward(norm1->forward(x), mask));|Variable h = norm1->forward(x + dropout_->forward(mixer->forward(x, mask)));"
  "attention-residual|nn/transformer_block.cpp|Variable h = x + dropout_->forward(|Variable h = dropout_->forward("
  "ffn-residual|nn/transformer_block.cpp|return h + dropout_->forward(ffn->forward(norm2->forward(h)));|return dropout_->forward(ffn->forward(norm2->forward(h)));"
  "final-norm|models/trunk.cpp|return final_norm->forward(x);|return x;"
  "positions|models/trunk.cpp|tokens->forward(ids) + positions->forward(ids.size(1))|tokens->forward(ids) + 0.0f"
  "cls-position|models/encoder_classifier.cpp|select(hidden, 1, 0)|select(hidden, 1, ids.size(1) - 1)"
  "load-nothing|nn/checkpoint.cpp|for (const auto& [name, t] : own) copy_into(t, values.at(name));|for (const auto& [name, t] : own) (void)values.at(name);"
  "padding-mask|nn/attention/attention.cpp|if (mask.padding.defined()) {|if (false) {"
  "causal-mask|nn/attention/attention.cpp|if (mask.causal) {|if (false) {"
  "dropout-scale|core/random.cpp|const float scale = 1.0f / (1.0f - mask.p);|const float scale = 1.0f;"
)

wanted=("$@")
is_wanted() {
  [ ${#wanted[@]} -eq 0 ] && return 0
  for w in "${wanted[@]}"; do [[ $1 == *"$w"* ]] && return 0; done
  return 1
}

scripts/build.sh >/dev/null || { echo "mutation_check: the unmutated build fails" >&2; exit 1; }
(cd build && ctest -j "$(nproc)" --timeout 600 >/dev/null) ||
  { echo "mutation_check: the unmutated suite fails; fix it first" >&2; exit 1; }

caught=0 missed=0 stale=0
for entry in "${mutations[@]}"; do
  IFS='|' read -r name file from to <<<"$entry"
  is_wanted "$name" || continue
  count=$(FROM=$from perl -0ne '$n = () = /\Q$ENV{FROM}\E/g; print $n' "$file")
  if [ "$count" != 1 ]; then
    echo "STALE   $name: '$from' found $count times in $file"
    stale=$((stale + 1))
    continue
  fi
  cp "$file" "$file.unmutated"
  trap 'mv -f "$file.unmutated" "$file"' EXIT INT TERM
  FROM=$from TO=$to perl -0pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/' "$file"
  if ! cmake --build build -j "$(nproc)" >/dev/null 2>&1; then
    echo "BUILD   $name: the mutant does not compile (make it one that does)"
    stale=$((stale + 1))
  else
    failed=$(cd build && ctest -j "$(nproc)" --timeout 600 2>/dev/null | grep -E '^\s*[0-9]+ - ' |
      sed -E 's/^\s*[0-9]+ - //; s/ \((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)\)$//' | head -3)
    if [ -n "$failed" ]; then
      echo "caught  $name: $(echo "$failed" | paste -sd ';' | sed 's/;/; /g')"
      caught=$((caught + 1))
    else
      echo "MISSED  $name: every test passed with $file mutated"
      missed=$((missed + 1))
    fi
  fi
  mv -f "$file.unmutated" "$file"
  trap - EXIT INT TERM
done
cmake --build build -j "$(nproc)" >/dev/null 2>&1
echo "$caught caught, $missed missed, $stale stale"
[ "$missed" -eq 0 ] && [ "$stale" -eq 0 ]
