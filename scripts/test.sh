#!/usr/bin/env bash
# The README's test command: set-up, build, and every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd build
ctest --output-on-failure --no-tests=error -j "$(nproc)" --timeout 600 "$@"
