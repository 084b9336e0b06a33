#!/bin/bash
# In a collector stream, each node's audit time governs only that node's
# events (docs/fleet.md, "Clock skew and late delivery": C1 and C2, fixed).
#
#  C1 src/rule/sequence_matcher.cpp: pending sequences expire against the
#     newest event time seen for their own host (host.id), and a first-stage
#     event is too old only relative to its own host. A node whose clock runs
#     ahead by more than maxspan (1 s), or whose records arrive late (an
#     audisp-remote queue draining after a network hiccup), neither expires
#     other nodes' sequences nor loses its own.
#  C2 src/input/audit_feed.cpp: one libauparse state per node. auparse
#     completes an event still being assembled once a record ~2 s later
#     arrives (its end-of-event timeout, in whole seconds); only records of
#     the same node now count, so when records of two nodes 2 s apart are
#     interleaved record by record (what a collector reading several TCP
#     connections does), the lagging node's events keep their EXECVE/CWD/
#     PATH and SOCKADDR records: exec events their arguments, connects their
#     address.
#
# Each check failed before these fixes (kept as regression tests). Replays
# only: no root, no network. TAP.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail
# shellcheck source=tests/fleet/replay_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/replay_lib.sh"

# hosts_alerting [interleave options...]: sorted host names of the alerts of
# A=curl (alerts), B=neg_other_address (never alerts), C=curl_node_name (alerts).
hosts_alerting() {
  python3 "$HERE/interleave.py" "$@" A="$DATA/curl.log" B="$DATA/neg_other_address.log" \
    C="$DATA/curl_node_name.log" >"$TMP/m.log"
  "$BIN" --input "$TMP/m.log" --output stdout | python3 "$HERE/alerts.py" | cut -f2 | sort | tr '\n' ' '
}
# Single-stage probes: every exec (with its command line) and every connect
# to 169.254.169.254, to see what reached the rules whole.
cat >"$TMP/probes.toml" <<'EOF'
[rule]
name = "probe: every exec with its arguments"
rule_id = "00000000-0000-4000-8000-00000000f1ee"
severity = "low"
risk_score = 1
version = 1
query = '''
process where event.type == "start" and process.command_line : "* *"
'''
EOF
cat >"$TMP/probe_connect.toml" <<'EOF'
[rule]
name = "probe: connect to the IMDS"
rule_id = "00000000-0000-4000-8000-00000000f1ef"
severity = "low"
risk_score = 1
version = 1
query = '''
network where destination.ip == "169.254.169.254"
'''
EOF

check "control: node B's clock 0.5 s ahead (within maxspan): A and C alert" \
  test "$(hosts_alerting --skew B=0.5)" == "A C "
check "C1: node B's clock 1.5 s ahead does not cost nodes A and C their alerts" \
  test "$(hosts_alerting --skew B=1.5)" == "A C "
check "C1: node B's clock 30 s ahead does not cost nodes A and C their alerts" \
  test "$(hosts_alerting --skew B=30)" == "A C "
check "C1: node A's records 1.5 s behind the others (clock or late delivery): A still alerts" \
  test "$(hosts_alerting --skew A=-1.5)" == "A C "

# probe_a SKEW: "EXECS CONNECTS" of node A that reached the rules whole.
probe_a() {
  python3 "$HERE/interleave.py" --interleave record --skew B="$1" A="$DATA/curl.log" B="$DATA/neg_other_address.log" >"$TMP/r.log"
  local e c
  e=$("$BIN" --input "$TMP/r.log" --output stdout --rule "$TMP/probes.toml" | python3 "$HERE/alerts.py" | awk -F'\t' '$2 == "A"' | grep -c .)
  c=$("$BIN" --input "$TMP/r.log" --output stdout --rule "$TMP/probe_connect.toml" | python3 "$HERE/alerts.py" | awk -F'\t' '$2 == "A"' | grep -c .)
  echo "$e $c"
}
check "control: interleaved record by record, same clocks: node A's 4 exec events keep their command lines, its connect its address" \
  test "$(probe_a 0)" == "4 1"
read -r execs conns <<<"$(probe_a 3)"
check "C2: interleaved record by record with node B 3 s ahead, node A's 4 exec events keep their command lines (got $execs)" \
  test "$execs" -eq 4
check "C2: ... and node A's connect keeps its SOCKADDR (169.254.169.254; got $conns)" test "$conns" -eq 1
check "C1+C2: ... and node A alerts" \
  test "$(hosts_alerting --interleave record --skew B=3)" == "A C "

finish
