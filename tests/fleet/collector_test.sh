#!/bin/bash
# Live test of the collector recipe, with standard audit components only, all
# on this machine:
#
#   kernel --> SENDER auditd (local_events = yes, name_format = user,
#              name = imds-fleet-a; registered with the kernel)
#                |-- plugin audisp-remote (Debian's audispd-plugins, unchanged)
#                |     --TCP 127.0.0.1--> COLLECTOR auditd
#                |                         (local_events = no, tcp_listen_port,
#                |                          distribute_network = yes)
#                |                           |-- plugin audisp-imds  -> syslog ident imds-collector
#                |                           `-- plugin cat > collector-stream.log (what it was handed)
#                `-- plugin audisp-imds ([host] id = the node name) -> syslog ident imds-local
#
# Clients run in a network namespace whose only link is lo, holding
# 169.254.169.254 (the fake IMDS of tests/e2e) and 169.254.169.253 (refused).
# The collector auditd, and audisp-remote with it, run in a second namespace
# made here (only lo): the TCP transport is 127.0.0.1 of that namespace, so
# its listening port is reachable from nowhere else. Nothing leaves the machine.
#
# Scenarios (each from a fresh wrapper shell in the client namespace):
#   positive     curl http://169.254.169.254/...  -> the collector alerts once,
#                host.id = host.name = imds-fleet-a, the curl's pid and parent;
#                the host's own plugin alerts once as well.
#   negative     curl http://169.254.169.253/...  -> no alert anywhere.
#   old_parent   curl started by a shell that exec'd BEFORE the audit rules
#                were loaded: its parent's executable is not in the stream.
#                The host's own plugin reads it from /proc and alerts; the
#                collector never consults /proc for another node's events
#                (its /proc is not that host's), so it cannot: no alert.
#
# Alerts go to a private rsyslogd (one socket, one file), [syslog] format =
# "json": that is how a collector hands alerts to a SIEM, the "started:" line
# tells when each plugin is ready, and the JSON body carries host.* exactly.
#
# Needs root, the kernel audit subsystem (no other auditd), auditd,
# audisp-remote (apt-get install audispd-plugins), rsyslogd, ip, unshare,
# python3. Otherwise prints "SKIPPED: why" and exits 77. TAP output; exit 0
# only when every check passed. Serialised with other live audit tests by
# flock /tmp/imds-auditd.lock (unless a caller above it already holds that
# lock), skipped if the lock stays busy for IMDS_FLEET_WAIT seconds (default
# 300); then waits as long for an auditd it did not start to go away, never
# touching it.
#
#   sudo bash tests/fleet/collector_test.sh
#   IMDS_E2E_KEEP=1 ...   keeps the work directory (configs, streams, logs)
#
# audisp-remote 3.0.9 reads only /etc/audit/audisp-remote.conf. It is started
# (by the sender auditd, through a 0750 wrapper) in a private mount namespace
# where that path is a bind mount of this test's own file: /etc/audit is never
# written.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SRCDIR=${IMDS_SRCDIR:-$ROOT}
BUILDDIR=${IMDS_BUILDDIR:-$ROOT}
LOCK=/tmp/imds-auditd.lock

# lock_held_by_ancestor: true when a process above us (e.g. a CI run wrapped
# in `flock /tmp/imds-auditd.lock ...`) already holds the lock: taking it
# again would wait for ourselves.
lock_held_by_ancestor() {
  local ino holder p stat
  ino=$(stat -c %i "$LOCK" 2>/dev/null) || return 1
  for holder in $(awk -v ino="$ino" '$2 == "FLOCK" { n = split($6, a, ":"); if (a[n] == ino) print $5 }' /proc/locks); do
    p=$$
    for _ in {1..64}; do  # up the parent chain (state, then ppid, after "comm) ")
      [[ -n $p && $p -gt 1 ]] || break
      [[ $p == "$holder" ]] && return 0
      read -r stat 2>/dev/null <"/proc/$p/stat" || break
      read -r _ p _ <<<"${stat##*) }"
    done
  done
  return 1
}
if [[ -z ${IMDS_FLEET_LOCKED:-} ]]; then
  if [[ $(id -u) != 0 ]]; then echo "SKIPPED: not root"; exit 77; fi
  command -v flock >/dev/null || { echo "SKIPPED: flock not installed"; exit 77; }
  if ! lock_held_by_ancestor; then
    IMDS_FLEET_LOCKED=1 flock -E 75 -w "${IMDS_FLEET_WAIT:-300}" "$LOCK" /bin/bash "$0" "$@"
    rc=$?
    if ((rc == 75)); then
      echo "SKIPPED: $LOCK held by another live audit test for more than ${IMDS_FLEET_WAIT:-300} s"
      exit 77
    fi
    exit "$rc"
  fi
fi

# shellcheck source=tests/e2e/lib.sh
source "$SRCDIR/tests/e2e/lib.sh"

AUDISP_REMOTE=/sbin/audisp-remote
REMOTE_CONF_PATH=/etc/audit/audisp-remote.conf
NODE=imds-fleet-a
for tool in rsyslogd unshare mount flock; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIPPED: $tool not installed"; exit 77; }
done
[[ -x $AUDISP_REMOTE ]] || { echo "SKIPPED: $AUDISP_REMOTE not installed (apt-get install audispd-plugins)"; exit 77; }
[[ -f $REMOTE_CONF_PATH ]] || { echo "SKIPPED: $REMOTE_CONF_PATH missing (the bind-mount target)"; exit 77; }

# Another auditd (not ours) owns the audit stream: wait for it, never touch it.
if [[ $(id -u) == 0 ]] && command -v auditctl >/dev/null; then
  for ((i = 0; i < ${IMDS_FLEET_WAIT:-300}; i += 2)); do
    other=$(auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }')
    [[ -z $other || $other == 0 ]] && break
    ((i == 0)) && echo "# waiting for the auditd with pid $other (not ours) to stop"
    imds_nap 2
  done
fi
imds_skip_unless_audit

BINARY=${IMDS_E2E_BINARY:-$BUILDDIR/src/audisp-imds}
RULES=${IMDS_E2E_RULES:-$SRCDIR/rules/audisp-imds.rules}
for f in "$BINARY" "$RULES"; do
  [[ -f $f ]] || { echo "Bail out! $f not found (build first)"; exit 99; }
done

T0=$EPOCHREALTIME
WORK=$(mktemp -d /tmp/imds-fleet-live.XXXXXX)
chmod 0755 "$WORK"
SYSLOG=$WORK/syslog.log
NS=imds-fleet-cl-$$      # clients and the fake IMDS
NET=imds-fleet-tr-$$     # the 127.0.0.1 the two auditds talk over
RSYSLOG_PID=
COLLECTOR_PID=
OLD_PARENT_BG=

# stop_pid PID: lib.sh's imds_stop_pid (only our own children), never failing.
stop_pid() { imds_stop_pid "$1"; return 0; }

cleanup() {
  trap '' INT TERM
  [[ -n $OLD_PARENT_BG ]] && { stop_pid "$OLD_PARENT_BG"; OLD_PARENT_BG=; }
  imds_auditd_stop                         # rules, then the sender (and its plugins)
  stop_pid "$COLLECTOR_PID"; COLLECTOR_PID=  # the collector (and its plugins)
  stop_pid "$RSYSLOG_PID"; RSYSLOG_PID=
  imds_cleanup                             # the fake IMDS, the client namespace
  ip netns del "$NET" 2>/dev/null
  if [[ ${IMDS_E2E_KEEP:-} == 1 ]]; then echo "# work directory kept: $WORK"; else rm -rf -- "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

source "$SRCDIR/tests/tap.sh"

# ------------------------------------------------------------------ set-up
# The plugin binary: auditd wants root-owned, not group/other-writable.
mkdir -m 0755 "$WORK/bin"
PLUGIN_BIN=$WORK/bin/audisp-imds
install -m 0750 -o root -g root "$BINARY" "$PLUGIN_BIN" || bail "plugin binary copied"

# rsyslogd, private (as tests/e2e/live_test.sh): one socket, one file.
mkdir -m 0700 "$WORK/rsyslog"
cat >"$WORK/rsyslog.conf" <<EOF
global(workDirectory="$WORK/rsyslog" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$WORK/log.sock" CreatePath="on" RateLimit.Interval="0")
template(name="imdsFleet" type="string" string="%programname%\t%msg%\t%timegenerated:::date-rfc3339%\n")
action(type="omfile" file="$SYSLOG" template="imdsFleet")
EOF
rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog.pid" >"$WORK/rsyslogd.out" 2>&1 </dev/null &
RSYSLOG_PID=$!
for ((i = 0; i < 100; i++)); do
  [[ -S $WORK/log.sock ]] && break
  imds_pid_alive "$RSYSLOG_PID" || break
  imds_nap 0.05
done
[[ -S $WORK/log.sock ]] || bail "private rsyslogd listens" "$(tr '\n' ' ' <"$WORK/rsyslogd.out")"

# One configuration per audisp-imds instance; both use the default rule.
plugin_conf() { # NAME IDENT [HOST_ID]: WORK/NAME.toml and WORK/NAME/audisp-imds.conf
  local name=$1 ident=$2 host=${3:-}
  {
    printf '[output]\nmode = "syslog"\n\n[syslog]\nsocket = "%s"\nident = "%s"\nformat = "json"\n' "$WORK/log.sock" "$ident"
    [[ -n $host ]] && printf '\n[host]\nid = "%s"\nname = "%s"\n' "$host" "$host"
  } >"$WORK/$name.toml"
  chmod 0640 "$WORK/$name.toml"
  mkdir -m 0750 "$WORK/$name"
  printf 'active = yes\ndirection = out\npath = %s\ntype = always\nargs = --config %s\nformat = string\n' \
    "$PLUGIN_BIN" "$WORK/$name.toml" >"$WORK/$name/audisp-imds.conf"
  chmod 0640 "$WORK/$name/audisp-imds.conf"
  "$PLUGIN_BIN" --check-config --config "$WORK/$name.toml" >/dev/null 2>"$WORK/$name.check" ||
    bail "audisp-imds --check-config accepts $name.toml" "$(cat "$WORK/$name.check")"
}
# The collector's plugin: events carry node=, [host] is irrelevant for them.
plugin_conf collector imds-collector
# The host's own plugin: its auditd names every record node=imds-fleet-a, so
# [host] id must say that this node is this host (else no /proc lookups).
plugin_conf local imds-local "$NODE"

# The transport namespace (only lo, up): the collector listens there.
if ip netns list | awk '{print $1}' | grep -qxF -- "$NET"; then bail "namespace $NET is free"; fi
# audisp-remote resolves its addresses with AI_ADDRCONFIG, which finds no IPv4
# in a namespace whose only address is 127.0.0.1 (glibc ignores it): a
# documentation address (RFC 5737) on the same lo fixes that. lo stays the
# only link: nothing can leave.
ip netns add "$NET" && ip -n "$NET" link set lo up && ip -n "$NET" addr add 192.0.2.1/32 dev lo ||
  bail "namespace $NET for the 127.0.0.1 transport"
PORT=60123  # nothing else exists in that namespace

# ----------------------------------------------------------- the collector
CDIR=$WORK/collector-auditd
mkdir -m 0750 "$CDIR" "$CDIR/plugins.d"
install -m 0640 "$WORK/collector/audisp-imds.conf" "$CDIR/plugins.d/audisp-imds.conf"
printf '#!/bin/sh\nexec cat > %q\n' "$WORK/collector-stream.log" >"$WORK/bin/capture.sh"
chmod 0750 "$WORK/bin/capture.sh"
printf 'active = yes\ndirection = out\npath = %s\ntype = always\nformat = string\n' "$WORK/bin/capture.sh" \
  >"$CDIR/plugins.d/capture.conf"
chmod 0640 "$CDIR/plugins.d/capture.conf"
# The receiving side of the recipe (docs/fleet.md). Every local action is
# "ignore": this is a test, the log is scratch.
IMDS_AUDITD_LOG_FORMAT=ENRICHED IMDS_AUDITD_NAME_FORMAT=NONE IMDS_AUDITD_NAME= \
  imds_auditd_conf "$CDIR" local_events=no tcp_listen_port="$PORT" tcp_client_ports=1-1023 \
  distribute_network=yes >"$CDIR/auditd.conf"
chmod 0640 "$CDIR/auditd.conf"
before=$(auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }')
# In the transport namespace, with a private /run (auditd writes
# /var/run/auditd.pid; the sender's must stay the sender's).
ip netns exec "$NET" unshare -m --propagation private /bin/sh -c \
  'mount -t tmpfs -o mode=0755 imds-fleet-run /run && exec auditd -n -c "$1"' sh "$CDIR" \
  >"$CDIR/auditd.out" 2>&1 </dev/null &
COLLECTOR_PID=$!
listening() { ip netns exec "$NET" ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q LISTEN; }
for ((i = 0; i < 100; i++)); do
  listening && break
  imds_pid_alive "$COLLECTOR_PID" || break
  imds_nap 0.1
done
listening || bail "collector auditd listens on 127.0.0.1:$PORT in $NET" "$(tr '\n' ' ' <"$CDIR/auditd.out")"
after=$(auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }')
check "collector auditd (pid $COLLECTOR_PID, local_events = no) listens on :$PORT in namespace $NET and did not register with the kernel" \
  test "$before" == "$after"

# ------------------------------------------------------------- the sender
# audisp-remote's configuration (the sending side of the recipe).
cat >"$WORK/audisp-remote.conf" <<EOF
remote_server = 127.0.0.1
port = $PORT
local_port = 1023
transport = tcp
mode = immediate
queue_depth = 10240
format = managed
network_retry_time = 1
max_tries_per_record = 3
max_time_per_record = 5
heartbeat_timeout = 0
network_failure_action = syslog
disk_low_action = ignore
disk_full_action = syslog
disk_error_action = syslog
remote_ending_action = reconnect
generic_error_action = syslog
generic_warning_action = syslog
queue_error_action = syslog
overflow_action = syslog
startup_failure_action = warn_once_continue
EOF
chmod 0640 "$WORK/audisp-remote.conf"
# The plugin auditd starts: audisp-remote itself, in the transport namespace,
# seeing our configuration at the one path it reads. Every step execs, so
# the pid auditd knows is audisp-remote's.
cat >"$WORK/bin/audisp-remote-fleet" <<EOF
#!/bin/sh
exec ip netns exec $NET unshare -m --propagation private /bin/sh -c 'mount --bind "\$1" $REMOTE_CONF_PATH && exec $AUDISP_REMOTE' sh $WORK/audisp-remote.conf
EOF
chmod 0750 "$WORK/bin/audisp-remote-fleet"
mkdir -m 0750 "$WORK/remote"
printf 'active = yes\ndirection = out\npath = %s\ntype = always\nformat = string\n' "$WORK/bin/audisp-remote-fleet" \
  >"$WORK/remote/au-remote.conf"
chmod 0640 "$WORK/remote/au-remote.conf"

IMDS_AUDITD_NAME_FORMAT=USER IMDS_AUDITD_NAME=$NODE \
  imds_auditd_start "$WORK/sender" "$WORK/remote/au-remote.conf" "$WORK/local/audisp-imds.conf" ||
  bail "sender auditd registered" "$(tr '\n' ' ' <"$WORK/sender/auditd.out" 2>/dev/null)"
ok "sender auditd (pid $IMDS_E2E_AUDITD_PID, name_format = user, name = $NODE) registered with the kernel"

started() { awk -F'\t' -v id="$1" '$1 == id && $2 ~ /started: / { f = 1 } END { exit !f }' "$SYSLOG" 2>/dev/null; }
connected() { ip netns exec "$NET" ss -Htn state established "sport = :$PORT" 2>/dev/null | grep -q .; }
for ((i = 0; i < 100; i++)); do
  started imds-collector && started imds-local && connected && break
  imds_nap 0.1
done
check "the collector's audisp-imds started" started imds-collector
check "the host's own audisp-imds started" started imds-local
check "audisp-remote connected to the collector over 127.0.0.1:$PORT (from a privileged port)" \
  bash -c "ip netns exec '$NET' ss -Htn state established 'sport = :$PORT' | awk '{ split(\$4, a, \":\"); if (a[2] + 0 < 1024) f = 1 } END { exit !f }'"

# ---------------------------------------------------------------- clients
imds_ns_up "$NS" 169.254.169.253 || bail "client namespace $NS with the fake IMDS"
ok "client namespace $NS: 169.254.169.254 (fake IMDS) and 169.254.169.253 on lo only"
imds_audit_session_begin || bail "a private audit session"

# The old parent: a shell that exec'd before any rule existed, waiting for a
# line on a fifo before it starts curl.
mkfifo -m 0600 "$WORK/go"
mkdir -m 0755 "$WORK/old_parent"
imds_ns_run "$NS" /usr/bin/bash -c 'echo $$ > "$1/pid"; read -r _ < "$2"
curl -s -m 5 -o /dev/null http://169.254.169.254/latest/meta-data/ & echo $! > "$1/cpid"; wait $!
exec 3<> "$2"; read -r -t 3 -u 3 _; true' \
  old-parent "$WORK/old_parent" "$WORK/go" >/dev/null 2>&1 &
OLD_PARENT_BG=$!
for ((i = 0; i < 100; i++)); do [[ -s $WORK/old_parent/pid ]] && break; imds_nap 0.05; done
[[ -s $WORK/old_parent/pid ]] || bail "old-parent shell started"

imds_rules_load "$RULES" || bail "audit rules loaded"
ok "shipped audit rules loaded, scoped to audit session $IMDS_E2E_SESSION"
imds_nap 1.5   # set-up execs are > maxspan before the scenarios

run_client() { # DIR URL: a fresh wrapper shell runs curl; pids in DIR
  mkdir -m 0755 "$1"
  imds_ns_run "$NS" /usr/bin/bash -c 'echo $$ > "$1/pid"
curl -s -m 5 -o /dev/null "$2" & echo $! > "$1/cpid"; wait $!' wrapper "$1" "$2" >/dev/null 2>&1
}
run_client "$WORK/positive" http://169.254.169.254/latest/meta-data/
imds_nap 1.5
run_client "$WORK/negative" http://169.254.169.253/latest/meta-data/
imds_nap 1.5
echo go >"$WORK/go"
wait "$OLD_PARENT_BG" 2>/dev/null
OLD_PARENT_BG=

# Wait for the expected alerts (collector 1, local 2), then 2.5 s more: a
# sequence lives 1 s, anything wrong has arrived by then.
alerts() { awk -F'\t' -v id="$1" '$1 == id && $2 ~ /"event":\{"kind":"alert"/ { c++ } END { print c + 0 }' "$SYSLOG"; }
for ((i = 0; i < 150; i++)); do
  (($(alerts imds-collector) >= 1 && $(alerts imds-local) >= 2)) && break
  imds_nap 0.1
done
imds_nap 2.5
t_scen=$EPOCHREALTIME
imds_auditd_stop                 # rules off; sender, audisp-remote, local plugin end
stop_pid "$COLLECTOR_PID"; COLLECTOR_PID=
stop_pid "$RSYSLOG_PID"; RSYSLOG_PID=

# ----------------------------------------------------------------- checks
read -r pos_w <"$WORK/positive/pid"; read -r pos_c <"$WORK/positive/cpid"
read -r neg_w <"$WORK/negative/pid"; read -r neg_c <"$WORK/negative/cpid"
read -r old_w <"$WORK/old_parent/pid"; read -r old_c <"$WORK/old_parent/cpid"
# summary IDENT: alerts.py TSV of that plugin's alerts
summary() {
  awk -F'\t' -v id="$1" '$1 == id && $2 ~ /"event":\{"kind":"alert"/ { sub(/^ /, "", $2); print $2 }' "$SYSLOG" |
    python3 "$HERE/alerts.py"
}
col_out=$(summary imds-collector) || col_out="(not JSON)"
loc_out=$(summary imds-local) || loc_out="(not JSON)"
printf '%s\n' "$col_out" >"$WORK/collector-alerts.tsv"
printf '%s\n' "$loc_out" >"$WORK/local-alerts.tsv"

stream=$WORK/collector-stream.log
check "the collector's plugins were handed the sender's records ($(grep -a -c . "$stream" 2>/dev/null) records)" \
  test "$(grep -a -c "^node=$NODE type=SYSCALL " "$stream" 2>/dev/null)" -gt 0
check "every record the collector handed its plugins carries node=$NODE, except its own DAEMON_* records" \
  test "$(grep -a -v "^node=$NODE type=" "$stream" 2>/dev/null | grep -a -c -v '^type=DAEMON_[A-Z]* ')" -eq 0
check "the collector logged the sender's connection (DAEMON_ACCEPT addr=127.0.0.1 port=1023)" \
  grep -a -q '^type=DAEMON_ACCEPT .* addr=127.0.0.1 port=1023 res=success' "$stream"
check "positive: the collector raised exactly one alert, for curl (pid $pos_c, parent $pos_w)" \
  test "$(awk -F'\t' -v c="$pos_c" -v w="$pos_w" '$4 == c && $5 == w' <<<"$col_out" | grep -c .)" -eq 1
check "positive: the collector's alert says host.id = host.name = $NODE and destination 169.254.169.254" \
  test "$(awk -F'\t' -v c="$pos_c" '$4 == c { print $1, $2, $9 }' <<<"$col_out")" == "$NODE $NODE 169.254.169.254"
check "positive: its entity ids are the node's ($NODE:...)" \
  test "$(awk -F'\t' -v c="$pos_c" -v n="$NODE:" '$4 == c && index($6, n) == 1 && index($7, n) == 1' <<<"$col_out" | grep -c .)" -eq 1
check "negative: no alert for the curl to 169.254.169.253 (pid $neg_c, parent $neg_w) on the collector nor on the host" \
  test "$(printf '%s\n%s\n' "$col_out" "$loc_out" | awk -F'\t' -v c="$neg_c" -v w="$neg_w" '$4 == c || $5 == w' | grep -c .)" -eq 0
check "old parent: the collector does not alert (parent $old_w exec'd before the stream; /proc not consulted for node $NODE)" \
  test "$(awk -F'\t' -v c="$old_c" '$4 == c' <<<"$col_out" | grep -c .)" -eq 0
check "old parent: the host's own plugin alerts, its parent read from /proc (/usr/bin/bash)" \
  test "$(awk -F'\t' -v c="$old_c" -v w="$old_w" '$4 == c && $5 == w && $8 == "/usr/bin/bash"' <<<"$loc_out" | grep -c .)" -eq 1
check "positive: the host's own plugin alerts once too, as host $NODE" \
  test "$(awk -F'\t' -v c="$pos_c" '$4 == c { print $1, $2 }' <<<"$loc_out")" == "$NODE $NODE"
check "no other alert: collector 1, host 2" \
  test "$(grep -c . <<<"$col_out")" -eq 1 -a "$(grep -c . <<<"$loc_out")" -eq 2
# The collector's live result is what a replay of its own input gives.
replayed=$("$BINARY" --input "$stream" --output stdout 2>/dev/null | python3 "$HERE/alerts.py" | cut -f1-7)
check "replaying the collector's input gives the same alert" test "$replayed" == "$(cut -f1-7 <<<"$col_out")"

for f in "$WORK/collector-alerts.tsv" "$WORK/local-alerts.tsv"; do
  [[ $failed -gt 0 ]] && sed "s/^/# $(basename "$f"): /" "$f"
done
# How long from the connect (the alert's @timestamp, audit time) to rsyslog
# receiving the alert, per path: informational.
python3 - "$SYSLOG" <<'PY'
import datetime, json, sys
delays = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 3 or '"kind":"alert"' not in parts[1]:
        continue
    t_connect = datetime.datetime.fromisoformat(json.loads(parts[1])["@timestamp"].replace("Z", "+00:00"))
    t_syslog = datetime.datetime.fromisoformat(parts[2])
    delays.setdefault(parts[0], []).append((t_syslog - t_connect).total_seconds() * 1000)
for ident, ms in sorted(delays.items()):
    print(f"# {ident}: connect -> syslog {', '.join(f'{d:.0f} ms' for d in ms)}")
PY
echo "1..$n"
printf '# scenarios and checks in %.1f s (set-up to stop: %.1f s)\n' \
  "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" \
  "$(awk -v a="$T0" -v b="$t_scen" 'BEGIN { print b - a }')"
((failed == 0))
