#!/bin/sh
# The fuzz smoke test CI runs (`make check-fuzz-smoke` in a build configured
# with --enable-fuzzing, see fuzz/local.mk): each libFuzzer target for
# FUZZ_SMOKE_SECONDS, then every kept crasher under fuzz/regressions/TARGET/
# once. One TAP line per target and per regression set; any crash, leak,
# undefined behaviour or alert-oracle failure fails it (exit 1) (fuzz/run.sh keeps the
# input in fuzz/artifacts/TARGET/ of the build directory).
#
# The runs are seeded (FUZZ_SMOKE_SEED, default 1) and start from the seeds
# alone (a corpus of their own, emptied first), so a commit's smoke result
# does not change from one CI run to the next and a failure can be repeated
# with the same seed. `make fuzz` is where new ground is explored (random
# seed, long runs). A failing input is also printed here, gzip'ed and
# base64-encoded, because CI keeps only the log:
#   sed -n 's/^# b64: //p' LOG | base64 -d | gunzip > input
set -u
: "${IMDS_SRCDIR:?}" "${IMDS_BUILDDIR:?}"
seconds=${FUZZ_SMOKE_SECONDS:-30}
targets=${FUZZ_TARGETS:-fuzz_feed fuzz_rule fuzz_config}
run="$IMDS_SRCDIR/fuzz/run.sh"
FUZZ_SEED=${FUZZ_SMOKE_SEED:-1}
FUZZ_CORPUS_ROOT=$IMDS_BUILDDIR/fuzz/smoke-corpus
FUZZ_FRESH_CORPUS=1
export FUZZ_SEED FUZZ_CORPUS_ROOT FUZZ_FRESH_CORPUS
# keep_failing_input TARGET: the input libFuzzer kept (run.sh has printed
# the report), into $inputs, printed at the end where a CI log's tail shows it.
inputs=$(mktemp)
trap 'rm -f "$inputs"' EXIT
keep_failing_input() {
  log=$IMDS_BUILDDIR/fuzz/$1.log
  [ -f "$log" ] || return 0
  input=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
  if [ -n "$input" ] && [ -f "$input" ]; then
    {
      echo "# $1 failing input: $input ($(wc -c < "$input") bytes, sha256 $(sha256sum < "$input" | cut -c1-64))"
      gzip -9c < "$input" | base64 -w 100 | sed 's/^/# b64: /'
    } >> "$inputs"
  fi
}
# has_regressions TARGET: true when fuzz/regressions/TARGET holds an input.
has_regressions() {
  [ -d "$IMDS_SRCDIR/fuzz/regressions/$1" ] &&
    [ -n "$(find "$IMDS_SRCDIR/fuzz/regressions/$1" -type f ! -name 'README*' | head -1)" ]
}
n=0
failed=0
total=0
for t in $targets; do
  total=$((total + 1))
  has_regressions "$t" && total=$((total + 1))
done
echo "1..$total"
for t in $targets; do
  n=$((n + 1))
  if [ ! -x "$IMDS_BUILDDIR/fuzz/$t" ]; then
    failed=1; echo "not ok $n - $t: not built (configure --enable-fuzzing)"
    if has_regressions "$t"; then n=$((n + 1)); failed=1; echo "not ok $n - $t: regressions not run"; fi
    continue
  fi
  out=$(sh "$run" run "$seconds" "$t" 2>&1)
  rc=$?
  printf '%s\n' "$out" | sed 's/^/# /'
  runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
  if [ $rc -eq 0 ]; then
    echo "ok $n - $t: ${runs:-?} inputs (seed $FUZZ_SEED) in ${seconds}s without a crash, leak, undefined behaviour or wrong alert"
  else
    keep_failing_input "$t"
    failed=1; echo "not ok $n - $t: fuzzing (seed $FUZZ_SEED) found a failing input in ${seconds}s (see the log lines above)"
  fi
  if has_regressions "$t"; then
    n=$((n + 1))
    out=$(sh "$run" regressions "$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed 's/^/# /'
    if [ $rc -eq 0 ]; then
      echo "ok $n - $t: every kept crasher in fuzz/regressions/$t passes"
    else
      failed=1; echo "not ok $n - $t: a kept crasher in fuzz/regressions/$t fails again"
    fi
  fi
done
if [ -s "$inputs" ]; then
  echo "# The failing inputs (decode: sed -n 's/^# b64: //p' LOG | base64 -d | gunzip):"
  cat "$inputs"
fi
exit $failed
