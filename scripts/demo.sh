#!/usr/bin/env bash
# The README's main job. Until the training examples land it prints the core benchmark: the BLAS
# core in use and the sgemm and memory-bandwidth limits later work is measured against.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build/bench/sg_bench core "$@"
