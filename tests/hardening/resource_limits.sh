#!/bin/bash
# What an attacker who can spawn processes at will may try against the
# plugin's memory and its output: alert storms, pid churn, floods of
# sequences that never complete. And who may steer it: only files no other
# user can write are read. Text replays through a pipe (live mode).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"  # make check may run us with sh
. "$IMDS_SRCDIR/tests/hardening/lib.sh"

# --- alert storm: at most alerts_per_window per rule per window ------------------
printf '[syslog]\nsocket = "%s"\n' "$TMP/no-syslog.sock" > "$TMP/default.toml"
$RECORDS scenario imds --repeat 2000 > "$TMP/storm.log"   # 2000 alerts within 20 s of audit time
timeout 60 "$BIN" --config "$TMP/default.toml" --output stdout < "$TMP/storm.log" > "$TMP/storm.out" 2> "$TMP/storm.err"
st=$(last_status "$TMP/storm.err")
check "an alert storm (2000 in 20 s) lets the default 100 per 300 s through" \
  [ "$(wc -l < "$TMP/storm.out")" -eq 100 ]
check "... and counts the other 1900 as suppressed, in the status and in one report line" \
  bash -c "[ '$(status_field "$st" alerts_suppressed)' = 1900 ] &&
           [ \$(grep -c 'rate limit: suppressed 1900 alert(s) of rule ecc0cd54' '$TMP/storm.err') -eq 1 ]"

# --- pid churn and never-completed sequences: bounded state -----------------------
printf '[syslog]\nsocket = "%s"\n[limits]\nprocess_table = 64\npending_sequences = 16\n' \
  "$TMP/no-syslog.sock" > "$TMP/small.toml"
# hwm_after PAIRS NAME: feeds PAIRS exec-only parent/child pairs (distinct pids,
# all in the same millisecond: every one a pending sequence), then reads the
# plugin's peak RSS while it still runs.
hwm_after() {
  local pid
  rm -f "$TMP/$2.in"
  mkfifo "$TMP/$2.in"
  "$BIN" --config "$TMP/small.toml" --output stdout < "$TMP/$2.in" > /dev/null 2> "$TMP/$2.err" &
  pid=$!
  BG_PIDS="$BG_PIDS $pid"
  exec 7> "$TMP/$2.in"
  $RECORDS scenario exec_only --repeat "$1" --spacing 0 >&7
  kill -USR1 "$pid"
  for _ in $(seq 1 50); do [ -n "$(last_status "$TMP/$2.err")" ] && break; sleep 0.1; done
  sed -n 's/^VmHWM: *\([0-9]*\) kB/\1/p' "/proc/$pid/status" > "$TMP/$2.hwm"
  exec 7>&-
  wait "$pid"
}
hwm_after 5000 churn_small
hwm_after 50000 churn_big
st=$(last_status "$TMP/churn_big.err")
check "pid churn (100000 distinct exec'd pids): the process table stays at its limit (64) and evicts" \
  bash -c "[ '$(status_field "$st" process_table)' -le 64 ] && [ '$(status_field "$st" process_evictions)' -gt 99000 ]"
check "50000 parents each waiting for a connect: pending sequences stay at their limit (16), the rest are evicted" \
  bash -c "[ '$(status_field "$st" pending_sequences)' -le 16 ] && [ '$(status_field "$st" sequence_evictions)' -ge 49984 ]"
small=$(cat "$TMP/churn_small.hwm")
big=$(cat "$TMP/churn_big.hwm")
check "peak memory does not grow with the flood: 10x the events, +$(( (big - small) / 1024 )) MiB (< 8 MiB)" \
  [ $((big - small)) -lt 8192 ]

# --- only files other users cannot write are read ---------------------------------
cp "$TMP/default.toml" "$TMP/open.toml"
chmod 0666 "$TMP/open.toml"
"$BIN" --check-config --config "$TMP/open.toml" > /dev/null 2> "$TMP/open.err"
rc=$?
check "a world-writable config file is refused (exit 1, names the fix)" \
  bash -c "[ $rc -eq 1 ] && grep -q 'writable by every user.*chmod o-w' '$TMP/open.err'"
cp "$SRC/rules/imds_v3.toml" "$TMP/rule.toml"
chmod 0664 "$TMP/rule.toml"
if chgrp 65534 "$TMP/rule.toml" 2>/dev/null &&
   [ "$(stat -c %g "$TMP/rule.toml")" != 0 ]; then
  "$BIN" --check-config --rule "$TMP/rule.toml" > /dev/null 2> "$TMP/grp.err"
  rc=$?
  check "a rule file writable by a non-root group is refused" \
    bash -c "[ $rc -eq 1 ] && grep -q 'writable by group' '$TMP/grp.err'"
else
  n=$((n + 1)); echo "ok $n - a rule file writable by a non-root group is refused # SKIP cannot chgrp here"
fi
if [ "$(id -u)" = 0 ]; then
  cp "$TMP/default.toml" "$TMP/theirs.toml"
  chown 65534 "$TMP/theirs.toml"
  "$BIN" --check-config --config "$TMP/theirs.toml" > /dev/null 2> "$TMP/own.err"
  rc=$?
  check "a config file owned by another user is refused when running as root" \
    bash -c "[ $rc -eq 1 ] && grep -q 'owned by uid 65534' '$TMP/own.err'"
else
  n=$((n + 1)); echo "ok $n - a config file owned by another user is refused # SKIP needs root"
fi
# A safe file in a directory others can write can be replaced by rename.
mkdir "$TMP/shared" && chmod 0777 "$TMP/shared"
cp "$SRC/rules/imds_v3.toml" "$TMP/shared/rule.toml" && chmod 0644 "$TMP/shared/rule.toml"
"$BIN" --check-config --rule "$TMP/shared/rule.toml" > /dev/null 2> "$TMP/dir.err"
rc=$?
check "a 0644 rule file in a world-writable directory is refused (exit 1, names the directory and the fix)" \
  bash -c "[ $rc -eq 1 ] && grep -q 'directory $TMP/shared is writable by every user.*chmod o-w $TMP/shared' '$TMP/dir.err'"
chmod 1777 "$TMP/shared"
"$BIN" --check-config --rule "$TMP/shared/rule.toml" > /dev/null 2> "$TMP/sticky.err"
rc=$?
check "the same file in a sticky world-writable directory (like /tmp) is accepted" \
  bash -c "[ $rc -eq 0 ]"

finish
