# What the end-to-end shell tests share (sourced): a scratch folder $work removed at exit, checks
# that print "ok: ..." or "FAIL: ..." and count the failures, `column` of a CSV log; end a test
# with finish.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {  # fail DESCRIPTION
  echo "FAIL: $1"; failures=$((failures + 1))
}
check() {  # check DESCRIPTION EXPECTED_STATUS COMMAND...: the output goes to $work/out and $work/err
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
column() {  # column NAME FILE: the values of a CSV log's named column, one a line
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } c { print $c }' "$2"
}
within() {  # within TOLERANCE A B [PREFIX]: A's tensors (those named PREFIX...) are in B within
  # TOLERANCE; sets $difference_found. Needs $difference, the checkpoint_difference tool.
  difference_found=$("$difference" ${4:+--prefix "$4"} "$2" "$3" 2>&1) || return 1
  awk -v d="$difference_found" -v t="$1" 'BEGIN { exit !(d <= t) }'
}
finish() {  # the test's exit status
  echo "$failures failures"
  [ "$failures" -eq 0 ]
}
fruit_and_vehicles() {  # fruit_and_vehicles FOLDER FRUIT VEHICLES: a TSV task's train.tsv, imbalanced
  mkdir -p "$1"
  {
    echo -e "sentence\tlabel"
    for i in $(seq 1 "$2"); do echo -e "a red apple number $i\tfruit"; done
    for i in $(seq 1 "$3"); do echo -e "a fast car number $i\tvehicle"; done
  } >"$1/train.tsv"
}
