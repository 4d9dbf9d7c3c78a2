#!/usr/bin/env bash
# Installs the build to a temporary prefix and builds examples/standalone against it, as a user
# would: by find_package (CMake) and by pkg-config (a plain compiler command). Both programs must
# train, save and reload their model, and write the same checkpoint.
#   standalone_test.sh BUILD_DIR SOURCE_DIR CXX LIBDIR   (LIBDIR: CMAKE_INSTALL_LIBDIR, e.g. lib)
set -euo pipefail
build=$1 source=$2 cxx=$3 libdir=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null

# Every include of an installed header names a header that is installed too.
while IFS=: read -r header included; do
  [ -f "$prefix/include/$included" ] || fail "$header includes $included, which is not installed"
done < <(grep -rE '^#include "synthgrad/' "$prefix/include" | sed -E 's/:#include "([^"]+)".*/:\1/' || true)
[ -f "$prefix/include/synthgrad/synthgrad.h" ] || fail "no umbrella header"

# find_package: the version file accepts 0.2 and refuses 0.3.
cmake -S "$source/examples/standalone" -B "$work/cmake-build" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log" || { cat "$work/configure.log"; fail "configure"; }
cmake --build "$work/cmake-build" >"$work/build.log" || { cat "$work/build.log"; fail "build"; }
"$work/cmake-build/spirals" "$work/cmake.safetensors" || fail "the find_package build did not train"
mkdir "$work/too-new"
printf 'cmake_minimum_required(VERSION 3.25)\nproject(p LANGUAGES CXX)\nfind_package(synthgrad 0.3 REQUIRED)\n' \
  >"$work/too-new/CMakeLists.txt"
if cmake -S "$work/too-new" -B "$work/too-new/build" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" >"$work/too-new.log" 2>&1; then
  fail "find_package(synthgrad 0.3) accepted version 0.2"
fi
grep -q 'version: 0.2.0' "$work/too-new.log" || { cat "$work/too-new.log"; fail "0.3 refused for another reason"; }

# pkg-config.
flags=$(PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" pkg-config --cflags --libs synthgrad)
"$cxx" -std=c++20 -O2 "$source/examples/standalone/main.cpp" $flags -o "$work/spirals-pc"
LD_LIBRARY_PATH="$prefix/$libdir" "$work/spirals-pc" "$work/pc.safetensors" ||
  fail "the pkg-config build did not train"
cmp -s "$work/cmake.safetensors" "$work/pc.safetensors" || fail "the two builds wrote different checkpoints"

# The installed headers compile without a warning under a strict user's flags (models/masked_lm.h
# had an int64-to-double conversion that broke -Werror -Wconversion builds).
printf '#include <synthgrad/synthgrad.h>\nint main() { return 0; }\n' >"$work/strict.cpp"
"$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror \
  $(PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" pkg-config --cflags synthgrad) "$work/strict.cpp" ||
  fail "the installed headers warn under -Wall -Wextra -Wpedantic -Wconversion -Wshadow"

# Both programs carry the load-time CPU check (core/cpu_check.h), which nothing calls by name
# (with shared libraries it is in libsynthgrad_core.so, which both load).
for program in "$work/cmake-build/spirals" "$work/spirals-pc"; do
  symbols=$(nm "$program"; nm -D "$prefix/$libdir"/libsynthgrad_core.so 2>/dev/null || true)
  grep -q ' T synthgrad_check_cpu$' <<<"$symbols" || fail "$program lacks the CPU check"
done
echo "standalone project built and run by find_package and by pkg-config"
