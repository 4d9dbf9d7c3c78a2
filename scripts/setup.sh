#!/usr/bin/env bash
# Installs the Debian packages synthgrad needs (only when one is missing) and configures a Release
# build in build/. Idempotent; works as root or through sudo. Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh

ensure_packages "${base_packages[@]}"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
echo "setup: configured build/ (Release)"
