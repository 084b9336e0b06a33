#!/bin/bash
# Least privilege of the running plugin, read from /proc/PID/status while it
# reads stdin: auditd starts it as root with every capability; once set up it
# keeps only CAP_SYS_PTRACE (live /proc lookups), nothing in a replay, can
# never regain any (no_new_privs) and, where it could (CAP_SETPCAP), has
# emptied its bounding set. Needs root; skipped otherwise.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"  # make check may run us with sh
. "$IMDS_SRCDIR/tests/hardening/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (auditd starts the plugin as root)"
grep -q '^CapEff:' /proc/self/status || skip_all "no capability lines in /proc/self/status"

printf '[syslog]\nsocket = "%s"\n' "$TMP/no-syslog.sock" > "$TMP/cfg.toml"
CAP_SYS_PTRACE_MASK=0000000000080000   # 1 << 19
CAP_SETPCAP_BIT=8
start_caps=$(sed -n 's/^CapEff:\s*//p' /proc/self/status)

# status_of MODE NAME: starts the plugin (MODE live or replay) on an open
# fifo, waits until it has set itself up, and saves /proc/PID/status.
status_of() {
  local pid extra=""
  [ "$1" = replay ] && extra=--replay
  mkfifo "$TMP/$2.in"
  "$BIN" --config "$TMP/cfg.toml" --output stdout $extra < "$TMP/$2.in" > /dev/null 2> "$TMP/$2.err" &
  pid=$!
  BG_PIDS="$BG_PIDS $pid"
  exec 7> "$TMP/$2.in"
  wait_for_handlers "$pid"
  cp "/proc/$pid/status" "$TMP/$2.status"
  exec 7>&-
  wait "$pid"
}
field() { sed -n "s/^$2:\s*//p" "$TMP/$1.status"; }

status_of live live
check "live: the effective and permitted sets hold CAP_SYS_PTRACE only" \
  bash -c "[ '$(field live CapEff)' = $CAP_SYS_PTRACE_MASK ] && [ '$(field live CapPrm)' = $CAP_SYS_PTRACE_MASK ]"
check "live: no inheritable or ambient capabilities, and no_new_privs is set" \
  bash -c "[ '$(field live CapInh)' = 0000000000000000 ] && [ '$(field live CapAmb)' = 0000000000000000 ] &&
           [ '$(field live NoNewPrivs)' = 1 ]"
if (( (16#$start_caps >> CAP_SETPCAP_BIT) & 1 )); then
  # privileges.h: "CAPNG_SELECT_BOTH also empties the bounding set when the
  # process may change it (it has CAP_SETPCAP)".
  check "live, started with CAP_SETPCAP: the bounding set is reduced to CAP_SYS_PTRACE at most (is $(field live CapBnd))" \
    bash -c "(( (16#$(field live CapBnd) & ~16#$CAP_SYS_PTRACE_MASK) == 0 ))"
else
  n=$((n + 1)); echo "ok $n - live: the bounding set is reduced # SKIP started without CAP_SETPCAP"
fi

status_of replay replay
check "replay: no capability at all, no_new_privs set" \
  bash -c "[ '$(field replay CapEff)' = 0000000000000000 ] && [ '$(field replay CapPrm)' = 0000000000000000 ] &&
           [ '$(field replay NoNewPrivs)' = 1 ]"

finish
