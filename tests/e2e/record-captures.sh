#!/bin/bash
# Record real audit captures for audisp-imds: real auditd (3.0.9 here), real kernel
# events, real clients talking to a fake metadata service in a network namespace.
#
#   bash tests/e2e/record-captures.sh            # every scenario, replaces tests/data/*.log|*.expect
#   bash tests/e2e/record-captures.sh curl wget  # just these (names as listed by --list)
#   bash tests/e2e/record-captures.sh --list
#
# For each scenario NAME it writes tests/data/NAME.log, the exact byte stream
# auditd handed its plugins (a plugin that is `cat > file`), and NAME.expect,
# what the detection rules must make of it. Needs root and a working kernel
# audit subsystem; prints "SKIPPED: ..." and exits 77 otherwise. Nothing here
# ever reaches the real 169.254.169.254: every client runs inside a network
# namespace whose only link is its loopback (see lib.sh).
#
# The scenarios themselves, and how their expectations are known and
# reasoned, are in scenarios.sh (shared with live_test.sh). This file adds
# one private auditd per scenario (capture_begin/capture_end below) whose only
# plugin writes the stream to a file, checks each capture with
# capture_check.py and copies the results into tests/data.
#
#   IMDS_RECORD_DATA_DIR=DIR   write the results to DIR instead of tests/data
set -u -o pipefail

E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
DATA=${IMDS_RECORD_DATA_DIR:-$ROOT/tests/data}
RULES=$ROOT/rules/audisp-imds.rules
# shellcheck source=tests/e2e/lib.sh
source "$E2E/lib.sh"
# shellcheck source=tests/e2e/scenarios.sh
source "$E2E/scenarios.sh"

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${ALL_SCENARIOS[@]}"
  exit 0
fi
SELECTED=("$@")
if ((${#SELECTED[@]} == 0)); then
  SELECTED=("${ALL_SCENARIOS[@]}")
  FULL_RUN=1
else
  FULL_RUN=
  for s in "${SELECTED[@]}"; do
    [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || { echo "unknown scenario: $s (see --list)" >&2; exit 2; }
  done
fi

imds_skip_unless_audit

WORK=$(mktemp -d /tmp/imds-e2e-record.XXXXXX)
chmod 0755 "$WORK"
STAGE=$WORK/stage
mkdir -p "$STAGE"

cleanup_all() {
  # Interrupted mid-scenario: end the wrappers and their clients before the
  # namespace goes.
  scenarios_end_wrappers
  imds_cleanup
  rm -rf -- "$WORK"
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM

NS=imds-e2e-rec-$$
scenarios_prepare

cd / || exit 1
imds_audit_session_begin || { echo "cannot start an audit session" >&2; exit 1; }
imds_ns_up "$NS" 169.254.169.253 || { echo "namespace setup failed" >&2; exit 1; }

# ---------------------------------------------------------------- recording
capture_begin() { # MODE: enriched | raw | node | narrowed
  local mode=$1 rules=$RULES conf
  local fmt=ENRICHED nfmt=NONE name=
  case $mode in
    raw) fmt=RAW ;;
    node) nfmt=USER name=imds-node-a ;;
    narrowed) rules=$WORK/narrowed.rules ;;
  esac
  conf=$(imds_capture_plugin_conf "$CAP/plugin" "$CAP/stream.log") || return 1
  IMDS_AUDITD_LOG_FORMAT=$fmt IMDS_AUDITD_NAME_FORMAT=$nfmt IMDS_AUDITD_NAME=$name \
    imds_auditd_start "$CAP/auditd" "$conf" || return 1
  imds_rules_load "$rules" || { imds_log "auditctl -R $rules failed"; return 1; }
  claim format "$fmt"
  [[ -n $name ]] && claim node "$name"
  [[ $mode == narrowed ]] && claim require_no_af_unix 1
  return 0
}

capture_end() {
  # auditd's end_of_event_timeout is 2 s: let the last events settle, then stop
  # auditd before deleting the rules, so the stream does not end with our own
  # auditctl -D (its exec and seven CONFIG_CHANGE events: noise).
  nap 2.5
  imds_auditd_terminate
  imds_rules_delete
}

# ------------------------------------------------------------------ driver
# The narrowed rule set, taken from the comment block of the shipped file so
# that the text users would copy is what gets tested.
sed -n 's/^## \(-a always,exit .*\)$/\1/p' "$RULES" >"$WORK/narrowed.rules"

declare -A RESULT NOTE
failures=0
for scn in "${SELECTED[@]}"; do
  why=$(missing_requirement "$scn") && { RESULT[$scn]=SKIP; NOTE[$scn]=$why; continue; }
  RESULT[$scn]=FAIL
  for attempt in 1 2 3; do
    CAP=$WORK/run/$scn.$attempt
    CLAIMS=$CAP/claims
    mkdir -p "$CAP/wA" "$CAP/wB"
    claim scenario "$scn"
    mark=$(imds_created_mark)
    "scn_$scn"
    rc=$?
    scenarios_end_wrappers
    imds_auditd_stop
    imds_remove_created "$mark"
    if ((rc != 0)); then
      NOTE[$scn]="scenario setup failed (rc $rc)"
      break
    fi
    if NOTE[$scn]=$("$E2E/capture_check.py" "$CAP/stream.log" "$CLAIMS" "$CAP/expect" 2>"$CAP/check.err"); then
      RESULT[$scn]=OK
      cp "$CAP/stream.log" "$STAGE/$scn.log"
      cp "$CAP/expect" "$STAGE/$scn.expect"
      break
    fi
    NOTE[$scn]=$(tr '\n' ' ' <"$CAP/check.err")
    imds_log "$scn attempt $attempt: ${NOTE[$scn]}"
    grep -q 'timing: re-record' "$CAP/check.err" || break
  done
  [[ ${RESULT[$scn]} == FAIL ]] && ((failures++))
  printf '%-34s %s %s\n' "$scn" "${RESULT[$scn]}" "${NOTE[$scn]}" >&2
done

printf '\n%-34s %-6s %4s %9s  %s\n' scenario result v3 upstream "note (exec pid->connect pid, delay, connect exit)"
for scn in "${SELECTED[@]}"; do
  v3=- up=-
  if [[ ${RESULT[$scn]} == OK ]]; then
    v3=$(sed -n 's/^alerts_v3=//p' "$STAGE/$scn.expect")
    up=$(sed -n 's/^alerts_upstream=//p' "$STAGE/$scn.expect")
  fi
  printf '%-34s %-6s %4s %9s  %s\n' "$scn" "${RESULT[$scn]}" "$v3" "$up" "${NOTE[$scn]}"
done

if ((failures > 0)); then
  echo "$failures scenario(s) failed; tests/data left unchanged." >&2
  exit 1
fi

mkdir -p "$DATA"
if [[ -n $FULL_RUN ]]; then
  rm -f "$DATA"/*.log "$DATA"/*.expect
fi
cp "$STAGE"/* "$DATA"/ 2>/dev/null
chmod 0644 "$DATA"/*.log "$DATA"/*.expect 2>/dev/null
# environment PREFIX: where this recording happens, as KEY=VALUE lines.
environment() {
  local p=$1
  echo "${p}date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "${p}kernel=$(uname -srm)"
  echo "${p}os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "${p}auditd=$(dpkg-query -W -f '${Version}' auditd 2>/dev/null || auditctl -v)"
  for p2 in curl wget python3.11 perl-base nodejs php8.2-cli ruby3.1 lua5.4 lua-socket socat gawk openssl ncat bash dash coreutils iproute2 gcc-multilib; do
    v=$(dpkg-query -W -f '${Version}' "$p2" 2>/dev/null) && [[ -n $v ]] && echo "${p}package.$p2=$v"
  done
}
if [[ -n $FULL_RUN ]]; then
  {
    echo "# Where tests/data was last recorded (written by tests/e2e/record-captures.sh)."
    environment ""
  } >"$DATA/environment.txt.new" && mv "$DATA/environment.txt.new" "$DATA/environment.txt"
else
  # A partial run adds its own block; the next full run starts the file afresh.
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  {
    echo "# Recorded later, on their own (record-captures.sh NAME...):"
    recorded=()
    for scn in "${SELECTED[@]}"; do [[ ${RESULT[$scn]} == OK ]] && recorded+=("$scn"); done
    echo "later.$stamp.captures=${recorded[*]}"
    environment "later.$stamp."
  } >>"$DATA/environment.txt"
fi
shopt -s nullglob
logs=("$STAGE"/*.log)
echo "recorded ${#logs[@]} capture(s) into $DATA"
