#!/usr/bin/env bash
# Installs the Debian packages synthgrad needs (only when one is missing) and configures a Release
# build in build/. Idempotent; works as root or through sudo. Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."

# Toolchain and libraries, then the data packages the default demo is built from.
packages=(build-essential cmake pkg-config libopenblas-dev libtbb-dev doctest-dev libfmt-dev
          nlohmann-json3-dev libcli11-dev libsentencepiece-dev
          wordnet-base fortunes)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
echo "setup: configured build/ (Release)"
