#!/bin/bash
# The collector case in replay: one stream holding several hosts' records
# (node=NAME on each), as a central auditd fed by audisp-remote hands them to
# its plugins. Built from real single-host captures (tests/data) by
# interleave.py, renumbered so that pids, parent pids, serials and timestamps
# are EQUAL across nodes: only node= tells the hosts apart. Proves that the
# process table, entity ids and sequence join keys are per node, that every
# alert names its host, and that /proc is consulted only for this host's
# events. No root, no network, no auditd. TAP output; exit 0 = all passed.
#
#   IMDS_SRCDIR=/work/main IMDS_BUILDDIR=/tmp/build bash tests/fleet/multinode_replay_test.sh
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail
# shellcheck source=tests/fleet/replay_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/replay_lib.sh"

interleave() { python3 "$HERE/interleave.py" "$@"; }
# replay CAPTURE [OPTIONS...]: alerts as TSV (alerts.py) on stdout.
# Every run of the plugin must exit 0, and a replay must say nothing on
# stderr (a sanitizer report would): failures are collected in TMP/runs.bad.
replay() {
  local cap=$1; shift
  if ! "$BIN" --input "$cap" --output stdout "$@" >"$TMP/alerts.json" 2>"$TMP/replay.err" || [[ -s $TMP/replay.err ]]; then
    printf 'replay %s %s: %s\n' "${cap##*/}" "$*" "$(head -c 300 "$TMP/replay.err")" >>"$TMP/runs.bad"
    return 1
  fi
  python3 "$HERE/alerts.py" "$TMP/alerts.json"
}
count() { grep -c . <<<"$1"; }
# col TSV N: column N of every line.
col() { awk -F'\t' -v c="$2" '{ print $c }' <<<"$1"; }
# The colliding client of a describe file: "pid ppid serial" of its exec of EXE on NODE.
client_of() { awk -F'\t' -v n="$2" -v e="$3" '$1 == n && $3 == 59 && $6 == e { print $4, $5, $2 }' "$1"; }

# ------------------------------------------------------------ three nodes
# A: curl to 169.254.169.254 (alerts), B: curl to 169.254.169.253 (does not),
# C: the capture recorded with auditd name_format = user (node=imds-node-a,
# replaced by node=C). Event k of every node gets the same serial and time.
interleave --describe "$TMP/abc.tsv" A="$DATA/curl.log" B="$DATA/neg_other_address.log" \
  C="$DATA/curl_node_name.log" >"$TMP/abc.log"
a=$(client_of "$TMP/abc.tsv" A /usr/bin/curl)
b=$(client_of "$TMP/abc.tsv" B /usr/bin/curl)
c=$(client_of "$TMP/abc.tsv" C /usr/bin/curl)
read -r cpid cppid cserial <<<"$a"
check "the merged capture makes the curl exec of A, B and C collide: same pid, ppid and serial ($a)" \
  test -n "$a" -a "$a" == "$b" -a "$a" == "$c"
stamp=$(grep -a -m1 -o "msg=audit([0-9.]*:$cserial)" "$TMP/abc.log")
check "... and the same timestamp ($stamp) on every node" \
  test "$(grep -a -F "$stamp" "$TMP/abc.log" | grep -a '^node=[ABC] type=SYSCALL ' | cut -d' ' -f1 | sort | tr '\n' ' ')" == "node=A node=B node=C "
check "every record of the merged capture carries node=A, B or C (node=imds-node-a replaced)" \
  test "$(grep -a -c -v '^node=[ABC] type=' "$TMP/abc.log")" -eq 0

if out=$(replay "$TMP/abc.log"); then
  check "replayed: exactly two alerts, for node A and node C (B connected to another address)" \
    test "$(col "$out" 2 | sort | tr '\n' ' ')" == "A C "
  check "each alert's host.id and host.name are its node name" \
    test "$(awk -F'\t' '$1 != $2' <<<"$out" | grep -c .)" -eq 0
  check "each alert names the colliding curl (pid $cpid, parent $cppid, exec serial $cserial)" \
    test "$(awk -F'\t' -v p="$cpid" -v pp="$cppid" -v s="$cserial" '$4 == p && $5 == pp && $10 == s' <<<"$out" | grep -c .)" -eq 2
  check "each alert's process and parent entity ids belong to its own node" \
    test "$(awk -F'\t' 'index($6, $1 ":") == 1 && index($7, $1 ":") == 1' <<<"$out" | grep -c .)" -eq 2
  check "the parent executable comes from the node's own stream (/usr/bin/bash), not from /proc" \
    test "$(col "$out" 8 | sort -u)" == /usr/bin/bash
else
  not_ok "replaying the three-node capture" "$(cat "$TMP/replay.err")"
fi

# The same records interleaved one record at a time (a collector reading
# several audisp-remote connections): events with equal stamps from
# different nodes must still be assembled per node.
interleave --interleave record A="$DATA/curl.log" B="$DATA/neg_other_address.log" \
  C="$DATA/curl_node_name.log" >"$TMP/abc_records.log"
out=$(replay "$TMP/abc_records.log")
check "interleaved record by record: still exactly the alerts of A and C, each with its own entity ids" \
  test "$(awk -F'\t' 'index($6, $1 ":") == 1 { print $2 }' <<<"$out" | sort | tr '\n' ' ')" == "A C "

# ------------------------------------------- no pairing across nodes
# Node A: curl execs (a stage-1 event) and connects to 169.254.169.253.
# Node B: an excluded executable (/opt/rumble/bin/rumble-agent-test, never
# stage 1) connects to 169.254.169.254 -- with the same pid, the same parent
# pid, serial and time as A's curl. Per node: no alert. Were hosts not kept
# apart, A's exec and B's connect would share a parent entity and pair.
interleave --describe "$TMP/x.tsv" A="$DATA/neg_other_address.log" B="$DATA/neg_excluded_executable.log" >"$TMP/x.log"
a=$(client_of "$TMP/x.tsv" A /usr/bin/curl)
bconn=$(awk -F'\t' '$1 == "B" && $3 == 42 && $7 ~ /^02000050A9FEA9FE/ { print $4, $5 }' "$TMP/x.tsv")
check "A's curl exec and B's connect to 169.254.169.254 have the same pid and parent pid ($bconn)" \
  test -n "$bconn" -a "${a% *}" == "$bconn"
out=$(replay "$TMP/x.log")
check "a stage-1 exec on node A never pairs with node B's connect of the same pid/ppid: no alert" \
  test -z "$out"
# Control: the same two captures under ONE node name (serials kept apart so
# that the events stay distinct): now the collision pairs. Shows that the
# check above can fail.
interleave --distinct-serials X="$DATA/neg_other_address.log" X="$DATA/neg_excluded_executable.log" >"$TMP/x_same.log"
out=$(replay "$TMP/x_same.log")
check "control: under one node name the same records pair into one alert (A's curl exec, B's connect)" \
  test "$(count "$out")" -eq 1 -a "$(col "$out" 9)" == 169.254.169.254 \
  -a "$(col "$out" 12)" == "curl -s -m 5 http://169.254.169.253/latest/meta-data/"

# ------------------------------------------- this host and remote hosts
# Records without node= are this host's ([host] in the configuration).
cat >"$TMP/host.toml" <<'EOF'
[host]
id = "collector-1-id"
name = "collector-1"
EOF
interleave "=$DATA/curl.log" R="$DATA/curl.log" >"$TMP/mixed.log"  # "=FILE": no node=
out=$(replay "$TMP/mixed.log" --config "$TMP/host.toml")
check "records without node= are this host's ([host] id/name), node=R records R's: one alert each" \
  test "$(awk -F'\t' '{ print $1 "/" $2 }' <<<"$out" | sort | tr '\n' ' ')" == "R/R collector-1-id/collector-1 "

# ------------------------------------------- /proc only for this host
# Live (stdin without --replay), the plugin asks /proc about parents it has
# not seen exec. Here the client's parent is this test's own shell ($$,
# /usr/bin/bash), whose exec is not in the stream; the client pid cannot
# exist (pid_max). Stage 1 needs process.parent.executable != null.
pid_max=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 4194304)
mk_live() { python3 "$HERE/make_capture.py" --no-shell --pid $$ --client-pid "$pid_max" \
  --url http://169.254.169.254/latest/meta-data/ --connect 169.254.169.254 "$@"; }
mk_live >"$TMP/live_local.log"
mk_live --node remote-1 >"$TMP/live_remote.log"
live() { # CAPTURE [OPTIONS...]: run live on stdin; alerts as TSV
  local cap=$1; shift
  if ! "$BIN" --output stdout "$@" <"$cap" >"$TMP/live.json" 2>"$TMP/live.err" ||
    grep -q -i -E 'sanitizer|runtime error' "$TMP/live.err"; then
    printf 'live %s %s: %s\n' "${cap##*/}" "$*" "$(head -c 300 "$TMP/live.err")" >>"$TMP/runs.bad"
    return 1
  fi
  python3 "$HERE/alerts.py" "$TMP/live.json"
}
out=$(live "$TMP/live_local.log")
check "live, this host's event: the parent ($$) is read from /proc (/usr/bin/bash) and the alert is raised" \
  test "$(count "$out")" -eq 1 -a "$(col "$out" 8)" == /usr/bin/bash -a "$(col "$out" 5)" == $$
out=$(replay "$TMP/live_local.log")
check "control: the same records replayed (no /proc) raise nothing" test -z "$out"
out=$(live "$TMP/live_remote.log")
check "live, node=remote-1's event with the same pids: /proc is not consulted, parent unknown, no alert" \
  test -z "$out"
printf '[host]\nid = "remote-1"\n' >"$TMP/host_remote.toml"
out=$(live "$TMP/live_remote.log" --config "$TMP/host_remote.toml")
check "live, a node= equal to [host] id is this host: /proc is consulted for it (documented)" \
  test "$(count "$out")" -eq 1 -a "$(col "$out" 1)" == remote-1 -a "$(col "$out" 8)" == /usr/bin/bash

# ------------------------------------------- many nodes, equal pids
# 40 nodes, each a copy of curl.log or neg_other_address.log: 20 alerts,
# one per positive node, none missing or doubled.
specs=()
for i in $(seq -w 1 40); do
  if ((10#$i % 2)); then specs+=("pos-$i=$DATA/curl.log"); else specs+=("neg-$i=$DATA/neg_other_address.log"); fi
done
interleave "${specs[@]}" >"$TMP/many.log"
out=$(replay "$TMP/many.log")
check "40 interleaved nodes with equal pids and stamps: exactly one alert per positive node (20), none for the others" \
  test "$(col "$out" 2 | sort | tr '\n' ' ')" == "$(printf 'pos-%02d ' $(seq 1 2 40))"

if [[ -s $TMP/runs.bad ]]; then
  not_ok "every run of the plugin exited 0 (and every replay was silent on stderr)" "$(cat "$TMP/runs.bad")"
else
  ok "every run of the plugin exited 0 (and every replay was silent on stderr)"
fi
finish
