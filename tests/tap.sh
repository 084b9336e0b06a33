# shellcheck shell=bash
# TAP helpers of the shell tests (sourced, bash). The plan is printed last
# ("1..N" after the test lines), which automake's TAP driver accepts.
n=0 failed=0

# ok DESCRIPTION
ok() { n=$((n + 1)); echo "ok $n - $1"; }

# not_ok DESCRIPTION [DETAIL...]: each line of each detail as a TAP comment.
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift
  local detail line
  for detail in "$@"; do
    while IFS= read -r line; do printf '#   %s\n' "$line"; done <<<"$detail"
  done
}

# skip DESCRIPTION REASON: a test that could not run here.
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# check DESCRIPTION CMD...: ok when CMD succeeds. CMD runs in this shell (a
# function may set variables) and its output goes where it goes.
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

# check_output DESCRIPTION CMD...: ok when CMD succeeds; its output (or its
# exit status) is the detail of a failure.
check_output() {
  local what=$1 out; shift
  if out=$("$@" 2>&1); then ok "$what"; else not_ok "$what" "${out:-(exit $?)}"; fi
}

# finish: the plan; exit 0 only when every test passed.
finish() { echo "1..$n"; exit $((failed > 0)); }

# bail DESCRIPTION [DETAIL...]: a failed step the remaining ones depend on.
bail() { not_ok "$@"; finish; }

# skip_all REASON: nothing of this test can run here (automake: exit 77).
skip_all() { echo "1..0 # SKIP $1"; exit 77; }
