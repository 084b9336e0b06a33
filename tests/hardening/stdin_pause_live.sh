#!/bin/bash
# Live streams (as under auditd) whose records of one event arrive with a
# pause in between, or over several reads while auditd is behind. libauparse's aging (auparse_feed_age_events, called by
# the read loop whenever stdin is idle or a read was short) closes an event
# once the wall clock is 2 s (in whole seconds) past the event's audit time,
# even when its remaining records are still on their way. Then the connect
# loses its SOCKADDR (no destination, no alert), or the exec its EXECVE/CWD.
#
# Expected to FAIL until the input layer stops aging events mid-record /
# mid-event (see docs/security.md, "Split events"). Each case is a plain
# text replay of one exec + IMDS connect pair; nothing touches the network.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"  # make check may run us with sh
. "$IMDS_SRCDIR/tests/hardening/lib.sh"

printf '[syslog]\nsocket = "%s"\n[limits]\nalerts_per_window = 0\n' "$TMP/no-syslog.sock" > "$TMP/cfg.toml"

# run_paused NAME LAG PAUSE WHERE: one pair timestamped LAG s in the past,
# through a pipe with PAUSE s of silence at WHERE (lib.sh: paused_writer).
run_paused() {
  paused_writer "$2" "$3" "$4" |
    timeout 30 "$BIN" --config "$TMP/cfg.toml" --output stdout > "$TMP/$1.out" 2> "$TMP/$1.err"
  grep -c '"destination":{"ip":"169.254.169.254"' "$TMP/$1.out" > "$TMP/$1.count"
}
one_alert() { [ "$(cat "$TMP/$1.count")" = 1 ] || { diag "$TMP/$1.err"; return 1; }; }

run_paused fresh_3s 0 3 mid-line
check "live: a writer pausing 3 s in the middle of the SOCKADDR line still gives the alert" one_alert fresh_3s
run_paused backlog_mid 5 0.5 mid-line
check "live, records 5 s behind the clock (an auditd backlog): a 0.5 s pause mid-line still gives the alert" \
  one_alert backlog_mid
run_paused backlog_between 5 0.5 between-records
check "live, records 5 s behind the clock: a 0.5 s pause between SYSCALL and SOCKADDR still gives the alert" \
  one_alert backlog_between

# No pause at all: a backlog alone. 300 pairs 15 s behind the clock, written
# 1 KiB at a time (auditd writes record by record), so events straddle reads.
$RECORDS scenario imds --repeat 300 --time "$(python3 -c 'import time; print(time.time() - 15)')" \
  > "$TMP/backlog.log"
python3 -c '
import os, sys, time
data = open(sys.argv[1], "rb").read()
for i in range(0, len(data), 1024):
    os.write(1, data[i:i + 1024])
    time.sleep(0.001)
' "$TMP/backlog.log" | timeout 60 "$BIN" --config "$TMP/cfg.toml" --output stdout > "$TMP/backlog.out" 2> "$TMP/backlog.err"
got=$(wc -l < "$TMP/backlog.out")
echo "# backlog: $got alerts; $(last_status "$TMP/backlog.err")" >&2
check "live, records 15 s behind the clock, written 1 KiB at a time without pauses: all 300 alerts ($got)" \
  [ "$got" -eq 300 ]

finish
