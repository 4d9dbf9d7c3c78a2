#!/usr/bin/env bash
# Set-up (if needed) and an incremental build of everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --build build -j "$(nproc)"
