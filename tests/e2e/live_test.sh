#!/bin/bash
# Live end-to-end test of audisp-imds: the real kernel audit subsystem, a real
# auditd running audisp-imds as its only plugin (configured from the shipped
# etc/plugins.d/audisp-imds.conf), the shipped rules/audisp-imds.rules, and a
# real rsyslogd receiving the alerts. The clients of tests/e2e/scenarios.sh
# (the same ones record-captures.sh records) talk to a fake metadata service
# in a network namespace whose only link is its loopback: nothing leaves the
# machine.
#
#   sudo bash tests/e2e/live_test.sh               # every live scenario
#   sudo bash tests/e2e/live_test.sh curl wget     # some (see --list)
#   make check-e2e                                 # through automake's driver
#
# Needs root and a kernel audit subsystem nobody else's auditd owns; prints
# "SKIPPED: why" and exits 77 otherwise. Prints TAP (one line per check, the
# plan, then the connect -> syslog delay as a comment); exit 0 only when every
# check passed.
#
# Environment:
#   IMDS_E2E_BINARY       the plugin under test (default: BUILDDIR/src/audisp-imds)
#   IMDS_E2E_RULES        audit rules to load (default: SRCDIR/rules/audisp-imds.rules)
#   IMDS_E2E_PLUGIN_CONF  plugin .conf to start from (default: SRCDIR/etc/plugins.d/audisp-imds.conf)
#   IMDS_E2E_CONFIG       an audisp-imds.toml to run unchanged, e.g. the installed
#                         /etc/audit/audisp-imds.toml (default: one this test writes);
#                         its [syslog] must send kv alerts to IMDS_E2E_SYSLOG_SOCKET
#   IMDS_E2E_SYSLOG_SOCKET  where the private rsyslogd listens (default: WORK/log.sock)
#   IMDS_SRCDIR, IMDS_BUILDDIR   set by `make check`; default: this checkout
#   IMDS_E2E_KEEP=1       keep the work directory (logs, configs) for a post-mortem
#
# What runs, all private to this test and undone by the EXIT trap:
#   rsyslogd -n -f WORK/rsyslog.conf: no system socket, one input socket
#     WORK/log.sock, everything it gets written to WORK/syslog.log with its
#     receive time in microseconds;
#   auditd -n -c WORK/auditd (lib.sh): plugins.d holds only audisp-imds.conf,
#     the shipped file with path = the binary under test and args = --config
#     WORK/audisp-imds.toml (syslog to WORK/log.sock, kv format);
#   the shipped audit rules, preceded by two rules that keep exec/connect of
#     other audit sessions out (lib.sh: imds_audit_session_begin), so other
#     users of the machine cannot add alerts or noise;
#   one scenario after the other, each from fresh wrapper shells, all against
#     the same running plugin (the default rule, Elastic's version 3).
# The expected alerts are what scenarios.sh reasons for v3 (alerts_v3 and each
# sequence's alert_in), with pids and paths known by construction and
# confirmed afterwards in auditd's own log (capture_check.py). The alert
# format variants of record-captures.sh (RAW, node names, narrowed rules) need
# other auditd settings and are not run here.
#
# Live, unlike in replay, the plugin knows the wrappers' parent (from /proc):
# a wrapper's `env ... IMDS_IP=169.254.169.254 ...` exec may then start a
# sequence (its command line holds the address), but no child of the
# wrapper's parent other than the wrapper itself exists, and the wrapper never
# connects to the IMDS: those sequences expire without an alert.
# Under another shell (SH_LOG_COMPILER may be sh), start again under bash.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail

E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
SRCDIR=${IMDS_SRCDIR:-$ROOT}
BUILDDIR=${IMDS_BUILDDIR:-$ROOT}
# shellcheck source=tests/e2e/lib.sh
source "$E2E/lib.sh"
# shellcheck source=tests/e2e/scenarios.sh
source "$E2E/scenarios.sh"

# The scenarios that need nothing but the default auditd settings.
LIVE_SCENARIOS=()
for s in "${ALL_SCENARIOS[@]}"; do
  case $s in
    *.raw | curl_node_name | curl_narrowed_rules) ;;
    *) LIVE_SCENARIOS+=("$s") ;;
  esac
done

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${LIVE_SCENARIOS[@]}"
  exit 0
fi
SELECTED=("$@")
((${#SELECTED[@]} > 0)) || SELECTED=("${LIVE_SCENARIOS[@]}")
for s in "${SELECTED[@]}"; do
  [[ " ${LIVE_SCENARIOS[*]} " == *" $s "* ]] || { echo "unknown scenario: $s (see --list)" >&2; exit 2; }
done

imds_skip_unless_audit
command -v rsyslogd >/dev/null 2>&1 || { echo "SKIPPED: rsyslogd not installed"; exit 77; }

BINARY=${IMDS_E2E_BINARY:-$BUILDDIR/src/audisp-imds}
RULES=${IMDS_E2E_RULES:-$SRCDIR/rules/audisp-imds.rules}
PLUGIN_CONF=${IMDS_E2E_PLUGIN_CONF:-$SRCDIR/etc/plugins.d/audisp-imds.conf}
for f in "$BINARY" "$RULES" "$PLUGIN_CONF"; do
  [[ -f $f ]] || { echo "Bail out! $f not found (build first, or see the IMDS_E2E_* variables)"; exit 99; }
done

CONFIG=${IMDS_E2E_CONFIG:-}
if [[ -n $CONFIG && ! -f $CONFIG ]]; then
  echo "Bail out! IMDS_E2E_CONFIG=$CONFIG not found"; exit 99
fi
T0=$EPOCHREALTIME
WORK=$(mktemp -d /tmp/imds-e2e-live.XXXXXX)
chmod 0755 "$WORK"
LOG_SOCKET=${IMDS_E2E_SYSLOG_SOCKET:-$WORK/log.sock}
SYSLOG=$WORK/syslog.log
RSYSLOG_PID=

rsyslog_stop() {
  imds_stop_pid "$RSYSLOG_PID" 50
  RSYSLOG_PID=
}

cleanup() {
  trap '' INT TERM
  scenarios_end_wrappers
  imds_auditd_stop      # auditctl -D, then auditd (which stops the plugin)
  rsyslog_stop
  imds_cleanup          # the fake server, the namespace, files made for scenarios
  if [[ ${IMDS_E2E_KEEP:-} == 1 ]]; then
    echo "# work directory kept: $WORK"
  else
    rm -rf -- "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- set-up
# Checks made before any scenario; on a failed one the run stops there.
PRE=$WORK/prechecks
: >"$PRE"
pre() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$PRE"; }
setup_failed() { # DESCRIPTION DETAIL: report the failed step as TAP and stop
  pre fail "$1" "$2"
  local n=0 state desc detail
  while IFS=$'\t' read -r state desc detail; do
    n=$((n + 1))
    if [[ $state == ok ]]; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; echo "#   $detail"; fi
  done <"$PRE"
  echo "1..$n"
  exit 1
}

# The shipped plugin file: what auditd gets on a real host.
conf_value() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$/\1/p" "$PLUGIN_CONF"; }
conf_problems=()
[[ $(conf_value active) == yes ]] || conf_problems+=("active=$(conf_value active)")
[[ $(conf_value direction) == out ]] || conf_problems+=("direction=$(conf_value direction)")
[[ $(conf_value path) == /usr/sbin/audisp-imds ]] || conf_problems+=("path=$(conf_value path)")
[[ $(conf_value type) == always ]] || conf_problems+=("type=$(conf_value type)")
[[ $(conf_value format) == string ]] || conf_problems+=("format=$(conf_value format)")
[[ $(conf_value args) == "--config /etc/audit/audisp-imds.toml" ]] || conf_problems+=("args=$(conf_value args)")
# auditd 3.0.9 passes at most two args tokens and skips lines of 160 bytes or more.
if awk 'length($0) >= 160 { bad = 1 } END { exit !bad }' "$PLUGIN_CONF"; then
  conf_problems+=("a line of 160 bytes or more")
fi
if ((${#conf_problems[@]} == 0)); then
  pre ok "shipped plugin conf: active, out, always, string, /usr/sbin/audisp-imds --config /etc/audit/audisp-imds.toml"
else
  pre fail "shipped plugin conf: active, out, always, string, /usr/sbin/audisp-imds --config /etc/audit/audisp-imds.toml" \
    "${conf_problems[*]}"
fi

# auditd starts a plugin only if root owns it and it is not more open than
# 0750: a build tree's 0755 binary is copied (the copy is what runs).
PLUGIN_BIN=$BINARY
if [[ $(stat -c '%u %a' "$BINARY") != "0 750" ]]; then
  mkdir -m 0755 "$WORK/bin"
  PLUGIN_BIN=$WORK/bin/audisp-imds
  install -m 0750 -o root -g root "$BINARY" "$PLUGIN_BIN" || setup_failed "plugin binary copied" "install failed"
fi
mkdir -m 0750 "$WORK/plugin"
if [[ -n $CONFIG ]]; then
  # A given configuration (the installed one) runs as it is.
  CONFIG_DESC="the configuration $CONFIG"
else
  CONFIG=$WORK/audisp-imds.toml
  CONFIG_DESC="the test configuration"
  cat >"$CONFIG" <<EOF
# audisp-imds under live_test.sh: the default rule, alerts to a private rsyslogd.
[output]
mode = "syslog"

[syslog]
socket = "$LOG_SOCKET"
ident = "audisp-imds"
facility = "auth"
priority = "warning"
format = "kv"
EOF
  chmod 0640 "$CONFIG"
fi
sed -e "s|^path[[:space:]]*=.*|path = $PLUGIN_BIN|" \
  -e "s|^args[[:space:]]*=.*|args = --config $CONFIG|" "$PLUGIN_CONF" >"$WORK/plugin/audisp-imds.conf"
if out=$("$PLUGIN_BIN" --check-config --config "$CONFIG" 2>&1); then
  pre ok "audisp-imds --check-config accepts $CONFIG_DESC"
else
  setup_failed "audisp-imds --check-config accepts $CONFIG_DESC" "${out//$'\n'/ }"
fi

# rsyslogd, private: its own socket, work directory and output file; the
# receive time (timegenerated) with microseconds times the alert lines.
mkdir -m 0700 "$WORK/rsyslog"
cat >"$WORK/rsyslog.conf" <<EOF
global(workDirectory="$WORK/rsyslog" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$LOG_SOCKET" CreatePath="on" RateLimit.Interval="0")
template(name="imdsLive" type="string"
         string="%timegenerated:::date-rfc3339%\t%syslogfacility-text%.%syslogseverity-text%\t%programname%[%procid%]\t%msg%\n")
if \$programname == "audisp-imds" then {
  action(type="omfile" file="$SYSLOG" template="imdsLive")
} else {
  action(type="omfile" file="$WORK/rsyslog-other.log" template="imdsLive")
}
EOF
rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog.pid" >"$WORK/rsyslogd.out" 2>&1 </dev/null &
RSYSLOG_PID=$!
for ((i = 0; i < 100; i++)); do
  [[ -S $LOG_SOCKET ]] && break
  imds_pid_alive "$RSYSLOG_PID" || break
  imds_nap 0.05
done
if [[ -S $LOG_SOCKET ]]; then
  pre ok "private rsyslogd (pid $RSYSLOG_PID) listens on its own socket $LOG_SOCKET"
else
  setup_failed "private rsyslogd listens on its own socket" "$(tr '\n' ' ' <"$WORK/rsyslogd.out")"
fi

NS=imds-e2e-live-$$
cd / || exit 1
imds_ns_up "$NS" 169.254.169.253 || setup_failed "namespace $NS with the fake IMDS" "see stderr"
pre ok "namespace $NS: 169.254.169.254 (fake IMDS, pid $IMDS_E2E_SERVER_PID) and 169.254.169.253 on lo only"

imds_auditd_start "$WORK/auditd" "$WORK/plugin/audisp-imds.conf" ||
  setup_failed "auditd with audisp-imds as its only plugin" "$(tr '\n' ' ' <"$WORK/auditd/auditd.out" 2>/dev/null)"
# The plugin says "started:" once it has seeded its process table from /proc.
plugin_started() { awk -F'\t' '$4 ~ /^ ?started: / { found = 1 } END { exit !found }' "$SYSLOG" 2>/dev/null; }
for ((i = 0; i < 100; i++)); do
  plugin_started && break
  imds_nap 0.1
done
if plugin_started; then
  pre ok "auditd (pid $IMDS_E2E_AUDITD_PID) started audisp-imds ($PLUGIN_BIN)"
else
  setup_failed "auditd (pid $IMDS_E2E_AUDITD_PID) started audisp-imds ($PLUGIN_BIN)" \
    "no start message; auditd said: $(tr '\n' ' ' <"$WORK/auditd/auditd.out")"
fi

imds_audit_session_begin || setup_failed "a private audit session" "cannot set loginuid"
if imds_rules_load "$RULES"; then
  pre ok "shipped audit rules loaded ($RULES), scoped to audit session $IMDS_E2E_SESSION"
else
  setup_failed "shipped audit rules loaded ($RULES)" "auditctl -R failed"
fi

# -------------------------------------------------------------- scenarios
# One auditd and one plugin for all of them: the hooks only check the mode.
capture_begin() { [[ $1 == enriched ]]; }
capture_end() { :; }

scenarios_prepare
MANIFEST=$WORK/manifest
: >"$MANIFEST"
for scn in "${SELECTED[@]}"; do
  CAP=$WORK/run/$scn
  # shellcheck disable=SC2034 # read by scenarios.sh
  CLAIMS=$CAP/claims
  if why=$(missing_requirement "$scn"); then
    printf '%s\tskip\t%s\t\t\t%s\n' "$scn" "$CAP" "$why" >>"$MANIFEST"
    continue
  fi
  mkdir -p "$CAP/wA" "$CAP/wB"
  claim scenario "$scn"
  mark=$(imds_created_mark)
  start=${EPOCHREALTIME/./}
  "scn_$scn"
  rc=$?
  scenarios_end_wrappers
  imds_remove_created "$mark"
  end=${EPOCHREALTIME/./}
  if ((rc == 0)); then
    printf '%s\trun\t%s\t%s\t%s\t\n' "$scn" "$CAP" "$start" "$end" >>"$MANIFEST"
  else
    printf '%s\terror\t%s\t%s\t%s\tscenario setup failed (rc %s)\n' "$scn" "$CAP" "$start" "$end" "$rc" >>"$MANIFEST"
  fi
done

# Wait for the alerts the scenarios should raise, then a little longer: a
# sequence lives at most 1 s after its exec, so whatever else the plugin
# would (wrongly) raise has arrived by then.
expected=0
while IFS=$'\t' read -r scn state cap _; do
  [[ $state == run ]] || continue
  n=$(sed -n 's/^alerts_v3=//p' "$cap/claims")
  expected=$((expected + ${n:-0}))
done <"$MANIFEST"
for ((i = 0; i < 100; i++)); do
  got=$(grep -c 'event.kind="alert"' "$SYSLOG" 2>/dev/null)
  ((${got:-0} >= expected)) && break
  imds_nap 0.1
done
imds_nap 2

# Stop auditd (the plugin gets SIGTERM, flushes and says "stopped:"), then
# rsyslogd, so that both files are complete.
imds_auditd_stop
rsyslog_stop

# Confirm in auditd's own log what each scenario claims by construction
# (pids, paths, arguments, parents, timing), as record-captures.sh does
# with its captures.
AUDIT_LOGS=$WORK/audit-all.log
cat "$WORK/auditd/audit.log".[0-9] "$WORK/auditd/audit.log" >"$AUDIT_LOGS" 2>/dev/null
: >"$MANIFEST.checked"
while IFS=$'\t' read -r scn state cap start end note; do
  if [[ $state == run ]]; then
    if note=$(/usr/bin/python3 "$E2E/capture_check.py" "$AUDIT_LOGS" "$cap/claims" "$cap/expect" 2>"$cap/check.err"); then
      :
    else
      note="capture_check: $(tr '\n' ' ' <"$cap/check.err")"
      rm -f "$cap/expect"
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scn" "$state" "$cap" "$start" "$end" "$note" >>"$MANIFEST.checked"
done <"$MANIFEST"

/usr/bin/python3 "$E2E/live_check.py" "$MANIFEST.checked" "$SYSLOG" "$PRE"
rc=$?
printf '# %d scenario(s) in %.1f s; plugin %s\n' "${#SELECTED[@]}" \
  "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$BINARY"
exit "$rc"
