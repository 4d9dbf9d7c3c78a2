#!/usr/bin/env bash
# The README's test command: set-up, build, every test through CTest, then the fuzz harnesses' seed
# corpora replayed under ASan+UBSan (scripts/sanitize.sh replay; about five minutes of building).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
(cd build && ctest --output-on-failure --no-tests=error -j "$(nproc)" --timeout 600 "$@")
scripts/sanitize.sh replay
