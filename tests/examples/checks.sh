# The helpers of the end-to-end scripts (source it): a failure count, `check` of a command's exit
# status with its output in $work/out and $work/err, and `column` of a CSV log. Needs $work.
failures=0
fail() {  # fail DESCRIPTION
  echo "FAIL: $1"; failures=$((failures + 1))
}
column() {  # column NAME FILE: the values of a CSV log's named column, one a line
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } c { print $c }' "$2"
}
check() {  # check DESCRIPTION EXPECTED_STATUS COMMAND...
  local description=$1 expected=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local status=$?
  if [ "$status" -ne "$expected" ]; then
    echo "FAIL: $description: exit $status, expected $expected"; cat "$work/err"; failures=$((failures + 1))
  else
    echo "ok: $description"
  fi
}
