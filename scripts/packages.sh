# Sourced by the scripts: ensure_packages PKG... installs the Debian packages among PKG that are not
# installed yet (with apt-get, as root or through sudo), and nothing when all are there.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  local sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; return 1; }
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The toolchain and libraries of the normal build, then the data packages the default demo is built
# from.
base_packages=(build-essential cmake pkg-config libopenblas-dev libtbb-dev doctest-dev libfmt-dev
               nlohmann-json3-dev libcli11-dev libsentencepiece-dev libopenmpi-dev openmpi-bin
               wordnet-base fortunes)

# What scripts/fuzz.sh and scripts/sanitize.sh need beyond the normal build: clang, libFuzzer and
# the sanitizer runtimes of LLVM 14 (Debian 12's default clang).
clang_packages=(clang libfuzzer-14-dev libclang-rt-14-dev)
