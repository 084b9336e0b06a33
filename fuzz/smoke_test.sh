#!/bin/sh
# The fuzz smoke test CI runs (`make check-fuzz-smoke` in a build configured
# with --enable-fuzzing, see fuzz/local.mk): each libFuzzer target for
# FUZZ_SMOKE_SECONDS, then every kept crasher under fuzz/regressions/TARGET/
# once. One TAP line per target and per regression set; any crash, leak,
# undefined behaviour or alert-oracle failure fails it (exit 1) (fuzz/run.sh keeps the
# input in fuzz/artifacts/TARGET/ of the build directory).
set -u
: "${IMDS_SRCDIR:?}" "${IMDS_BUILDDIR:?}"
seconds=${FUZZ_SMOKE_SECONDS:-30}
targets=${FUZZ_TARGETS:-fuzz_feed fuzz_rule fuzz_config}
run="$IMDS_SRCDIR/fuzz/run.sh"
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
    echo "ok $n - $t: ${runs:-?} inputs in ${seconds}s without a crash, leak, undefined behaviour or wrong alert"
  else
    failed=1; echo "not ok $n - $t: fuzzing found a failing input in ${seconds}s (see the log lines above)"
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
exit $failed
