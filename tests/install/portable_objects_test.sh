#!/usr/bin/env bash
# A portable build must run on CPUs without AVX-512 (and cpu_check.o on any x86-64 CPU). Checks the
# machine code: in gemm_kernel.o, AVX-512 instructions sit only in functions that no other object
# can reach in its place (no weak symbol: a weak copy of a standard template compiled for AVX-512
# could be the one the linker keeps for the whole program); cpu_check.o has no VEX instruction.
#   portable_objects_test.sh OBJECT...   (core's objects; the two are picked out by name)
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
kernel="" check=""
for object in "$@"; do
  case $object in
    */gemm_kernel.cpp.o) kernel=$object ;;
    */cpu_check.cpp.o) check=$object ;;
  esac
done
[ -n "$kernel" ] && [ -n "$check" ] || fail "gemm_kernel.cpp.o or cpu_check.cpp.o not among the objects"

avx512_functions=$(objdump -d --no-show-raw-insn "$kernel" |
  awk '/^[0-9a-f]+ <.*>:$/ {name = $2} /zmm/ {print name}' | sort -u | tr -d '<>:')
[ -n "$avx512_functions" ] || fail "$kernel holds no AVX-512 code at all"
weak=$(nm --defined-only "$kernel" | awk '$2 ~ /^[WVu]$/ {print $3}')
for name in $avx512_functions; do
  if grep -qxF "$name" <<<"$weak"; then fail "weak symbol with AVX-512 code: $(c++filt "$name")"; fi
done
check_code=$(objdump -d --no-show-raw-insn "$check")
if grep -qE '[[:space:]]v[a-z0-9]+[[:space:]]|%[yz]mm' <<<"$check_code"; then
  fail "$check holds VEX or EVEX instructions: it would fault on the CPUs it should refuse"
fi
echo "AVX-512 only in: $(c++filt $avx512_functions | tr '\n' ' ')"
