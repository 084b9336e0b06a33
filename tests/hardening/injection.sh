#!/bin/bash
# Attacker-controlled text in alerts. Each payload (audit_records.py
# payloads: newlines, \x1d, quotes, key=value text, JSON fragments, invalid
# UTF-8, control and Unicode line-separator characters, 1 MiB arguments split
# as aN_len + aN[k] over many EXECVE records, a 2 MiB command line) is put in
# an argument, the executable's file name and the working directory of a
# process whose sibling-free exec + IMDS connect raise an alert. Records are
# hex-encoded where the kernel would encode them. Pure text replay; the
# syslog daemon is a python3 socket in a private directory.
#
# Checks: the syslog message is ONE datagram, ONE line, strict key=value with
# exactly the keys of a benign alert, values decode to the injected bytes (or
# a prefix + the truncation marker); the JSON line parses strictly and
# round-trips the bytes (invalid UTF-8 as the documented \xHH text).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"  # make check may run us with sh
. "$IMDS_SRCDIR/tests/hardening/lib.sh"

# run_syslog NAME [generator options]: replays inject_NAME into a private
# syslog socket; leaves NAME.grams (hex datagrams) and NAME.err.
run_syslog() {
  local name=$1; shift
  local sock=$TMP/log-$name.sock
  $RECORDS scenario "inject_$name" "$@" > "$TMP/$name.log"
  python3 "$HERE/syslog_receiver.py" record "$sock" "$TMP/$name.grams" &
  local rpid=$!
  BG_PIDS="$BG_PIDS $rpid"
  wait_for_file "$sock"
  printf '[syslog]\nsocket = "%s"\nformat = "kv"\n' "$sock" > "$TMP/$name.toml"
  timeout 60 "$BIN" --config "$TMP/$name.toml" --input "$TMP/$name.log" 2> "$TMP/$name.err"
  echo $? > "$TMP/$name.rc"
  # The receiver writes asynchronously: give it a moment for the last datagram.
  for _ in $(seq 1 20); do [ -s "$TMP/$name.grams" ] && break; sleep 0.1; done
  sleep 0.2
  kill "$rpid" 2>/dev/null
  wait "$rpid" 2>/dev/null
}

run_json() {
  local name=$1; shift
  $RECORDS scenario "inject_$name" "$@" > "$TMP/$name.json.log"
  timeout 60 "$BIN" --input "$TMP/$name.json.log" --output stdout > "$TMP/$name.json" 2> "$TMP/$name.json.err"
  echo $? > "$TMP/$name.json.rc"
}

# The benign alert's key list is the reference: no payload may add, drop or
# reorder a key.
run_syslog plain
$CHECK keys "$TMP/plain.grams" > "$TMP/keys"
check "a benign alert reaches the private syslog socket as one key=value datagram" \
  bash -c "grep -qx 'process.command_line' '$TMP/keys' && grep -qx 'destination.ip' '$TMP/keys' && grep -qx 'rule.name' '$TMP/keys'"

for name in $($RECORDS payloads); do
  run_syslog "$name"
  check "syslog, payload '$name': one datagram, one line, exactly the benign alert's keys, values decode to the injected bytes" \
    bash -c "[ \$(cat '$TMP/$name.rc') -eq 0 ] && $CHECK syslog '$TMP/$name.grams' '$name' '$TMP/keys'"
  run_json "$name"
  check "JSON, payload '$name': one line, strict JSON, args/command line/cwd/executable round-trip" \
    bash -c "[ \$(cat '$TMP/$name.json.rc') -eq 0 ] && $CHECK json '$TMP/$name.json' '$name'"
  check "payload '$name': no sanitizer report" \
    bash -c "! grep -Eq 'Sanitizer|runtime error' '$TMP/$name.err' '$TMP/$name.json.err'"
done

# The same through RAW (non-ENRICHED) records, for the payloads aimed at the
# record and line structure.
for name in newline gs invalid_utf8; do
  run_json "$name" --raw
  check "JSON from RAW records, payload '$name': round-trips" \
    bash -c "[ \$(cat '$TMP/$name.json.rc') -eq 0 ] && $CHECK json '$TMP/$name.json' '$name'"
done

finish
