#!/bin/bash
# bench_live.sh: audisp-imds measured under a real auditd and real load
# (`make bench-live`, `make bench-live-smoke`; docs/performance.md, "Live").
#
#   bench/live/bench_live.sh [--builddir DIR] [--smoke] [--levels L,...]
#                            [--configs C,...] [--duration S] [--results FILE]
#                            [--markdown FILE] [--profile] [--keep]
#                            [--binary PATH] [--label TEXT]
#
# For every load level and every configuration, one run of DURATION seconds:
#   a private auditd (tests/e2e/lib.sh: `auditd -n -c WORK/...`, the
#     auditd.conf of lib.sh, which has Debian 12's q_depth = 2000 and
#     overflow_action = SYSLOG, plus Debian's priority_boost = 4, and no log
#     rotation so that its log counts the run's events), the kernel backlog as
#     Debian's audit.rules sets it (-b 8192, --backlog_wait_time 60000), the
#     project's rules/audisp-imds.rules, scoped to this script's audit session;
#   the load: bench/live/imds_livegen (fork+exec of /bin/true and refused
#     non-blocking connects to 127.0.0.1, nothing else), in this session;
#   one probe a second: `curl -s -m 2 http://169.254.169.254/latest/meta-data/`
#     from a bash inside a network namespace made here (lib.sh imds_ns_up:
#     only a loopback, holding 169.254.169.254, served by tests/e2e/fake_imds.py);
#     no packet ever leaves the machine.
# Load levels: moderate (1000 exec/s + 5000 connect/s), connect8k (8000
# connect/s), storm (connects as fast as the generator can make them).
# Configurations: off (no auditd, no rules: the syscall latency without
# auditing), auditd (auditd without any plugin), imds (auditd running the
# built src/audisp-imds, alerts as JSON lines to a file), laurel (auditd
# running Laurel, Debian's default settings, its log in the work directory).
#
# Measured per run (one line of key=value in the results file):
#   CPU: utime+stime of auditd, of the plugin and of the kernel's kauditd
#     thread (/proc/PID/stat), from just before the load starts until auditd's
#     plugin queue is empty and both have been idle for a second afterwards;
#     divided by the events auditd received in that time (distinct serials in
#     its log, from the byte offset at the start) = CPU us per event;
#   auditd's state report (SIGCONT writes /var/run/auditd.state): plugin queue
#     peak, size, whether it overflowed (auditd then drops records for the
#     plugins);
#   wakeups: voluntary context switches of auditd's and the plugin's threads
#     (/proc/PID/task/*/status) over the same span, per event;
#   kernel: the `lost` and `backlog_wait_time_actual` deltas of `auditctl -s`;
#   alerts: the plugin's alerts matched to the probes' curl pids; for Laurel
#     the probes whose connect (SOCKADDR of 169.254.169.254) is in its log;
#   the generator's own connect() latency percentiles and achieved rates.
# Then bench/live/live_report.py prints the table (and checks the smoke).
#
# --profile: also record auditd and its plugin in each run with `perf record
# -g` (cpu-clock, 999 Hz) and print the top self-cost symbols (perturbs that
# run's CPU figures a little). --keep: keep the work directory (logs, alerts, reports).
# --binary: the audisp-imds to measure (default BUILDDIR/src/audisp-imds);
# --label: what the report calls it (default: the source tree's commit, with
# "+dirty-src" when src/ has uncommitted changes).
# --smoke: the moderate level, audisp-imds only, 20 s; exit 1 when auditd's
# plugin queue overflowed or a probe has no alert (or the plugin died).
# Without root or kernel audit (or with another auditd running): prints
# "SKIPPED: why" and exits 77. Everything started here is stopped by pid in
# the EXIT trap; the audit rules loaded are deleted, the kernel's audit
# settings put back as they were.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=$(cd "$HERE/../.." && pwd)
BUILDDIR=.
SMOKE=0
LEVELS=
CONFIGS=
DURATION=
RESULTS=
MARKDOWN=
KEEP=0
PROFILE=0
BINARY=
LABEL=

usage() {
  sed -n '2,/^if \[ -z/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}
while (($# > 0)); do
  case $1 in
    --builddir) BUILDDIR=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --levels) LEVELS=$2; shift 2 ;;
    --configs) CONFIGS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --markdown) MARKDOWN=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --profile) PROFILE=1; shift ;;
    --binary) BINARY=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench_live: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ((SMOKE)); then
  : "${LEVELS:=moderate}" "${CONFIGS:=imds}" "${DURATION:=20}"
else
  : "${LEVELS:=moderate,connect8k,storm}" "${CONFIGS:=off,auditd,imds,laurel}" "${DURATION:=30}"
fi
if ! [[ $DURATION =~ ^[0-9]+$ ]] || ((DURATION < 3 || DURATION > 600)); then
  echo "bench_live: --duration is whole seconds, 3 to 600" >&2; exit 2
fi
BUILDDIR=$(cd "$BUILDDIR" && pwd) || exit 2
IFS=, read -r -a LEVEL_LIST <<<"$LEVELS"
IFS=, read -r -a CONFIG_LIST <<<"$CONFIGS"

level_args() {
  case $1 in
    moderate) echo "--exec-rate 1000 --connect-rate 5000" ;;
    connect8k) echo "--connect-rate 8000" ;;
    storm) echo "--connect-rate max" ;;
    *) return 1 ;;
  esac
}
for l in "${LEVEL_LIST[@]}"; do
  level_args "$l" >/dev/null || { echo "bench_live: unknown level $l (moderate, connect8k, storm)" >&2; exit 2; }
done
for c in "${CONFIG_LIST[@]}"; do
  case $c in off | auditd | imds | laurel) ;; *)
    echo "bench_live: unknown configuration $c (off, auditd, imds, laurel)" >&2; exit 2 ;;
  esac
done

# shellcheck source=tests/e2e/lib.sh
source "$SRCDIR/tests/e2e/lib.sh"
imds_skip_unless_audit

GEN=$BUILDDIR/bench/live/imds_livegen
BINARY=${BINARY:-$BUILDDIR/src/audisp-imds}
RULES=$SRCDIR/rules/audisp-imds.rules
LAUREL=${IMDS_LIVE_LAUREL:-$(command -v laurel 2>/dev/null || echo /usr/sbin/laurel)}
for f in "$GEN" "$BINARY" "$RULES"; do
  [[ -f $f ]] || { echo "bench_live: $f not found (make bench-live builds it)" >&2; exit 2; }
done
if [[ ",$CONFIGS," == *,laurel,* && ! -x $LAUREL ]]; then
  echo "bench_live: Laurel not installed ($LAUREL): its runs are left out (apt-get install laurel)"
  CONFIG_LIST=("${CONFIG_LIST[@]/laurel/}")
fi

WORK=$(mktemp -d /tmp/imds-bench-live.XXXXXX)
chmod 0755 "$WORK"
RESULTS=${RESULTS:-$WORK/results.txt}
: >"$RESULTS" || exit 2
NS=imds-live-$$
STATE_FILE=/var/run/auditd.state   # auditd 3.0.9 writes its SIGCONT report here, whatever -c says
STATE_SAVED=
KERNEL_SAVED=
GEN_PID=
PROBE_PID=
PERF_PID=
HZ=$(getconf CLK_TCK)

cleanup() {
  trap '' INT TERM
  [[ -n $GEN_PID ]] && imds_stop_pid "$GEN_PID" 50
  [[ -n $PROBE_PID ]] && imds_stop_pid "$PROBE_PID" 50
  [[ -n $PERF_PID ]] && { kill -INT "$PERF_PID" 2>/dev/null; imds_stop_pid "$PERF_PID" 50; }
  imds_auditd_stop
  # The kernel's backlog settings as they were before this script.
  if [[ -n $KERNEL_SAVED ]]; then
    local limit wait
    read -r limit wait <<<"$KERNEL_SAVED"
    auditctl -b "$limit" --backlog_wait_time "$wait" >/dev/null 2>&1
  fi
  imds_cleanup
  case $STATE_SAVED in
    none) rm -f "$STATE_FILE" ;;
    saved) cp -p "$WORK/auditd.state.before" "$STATE_FILE" ;;
  esac
  if ((KEEP)); then
    echo "bench_live: work directory kept: $WORK"
  else
    rm -rf -- "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf 'bench_live: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# kernel_status KEY: one value of `auditctl -s`.
kernel_status() { auditctl -s 2>/dev/null | awk -v k="$1" '$1 == k {print $2}'; }

# cpu_ticks PID: utime + stime of a process (all its threads), in clock ticks; 0 if gone.
cpu_ticks() {
  local stat rest
  [[ -n $1 ]] || { echo 0; return; }
  read -r stat 2>/dev/null <"/proc/$1/stat" || { echo 0; return; }
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  echo $((${12} + ${13}))
}

# wakeups PID: voluntary context switches of all of a process's threads
# (each one a sleep that ended with a wakeup); 0 if gone.
wakeups() {
  local f line n=0
  [[ -n $1 ]] || { echo 0; return; }
  for f in /proc/"$1"/task/*/status; do
    while IFS= read -r line; do
      [[ $line == voluntary_ctxt_switches:* ]] && n=$((n + ${line##*[[:space:]]}))
    done <"$f" 2>/dev/null
  done
  echo "$n"
}

# state_report: SIGCONT our auditd and read the report it writes; sets
# Q_DEPTH, Q_MAX, Q_SIZE, Q_OVERFLOW, Q_SUSPENDED (empty when none came).
state_report() {
  local i line
  Q_DEPTH='' Q_MAX='' Q_SIZE='' Q_OVERFLOW='' Q_SUSPENDED=''
  # Emptied with a redirection, polled with read: no exec of our own shows
  # up in the audit stream while a run drains.
  : >"$STATE_FILE" || return 1
  kill -CONT "$IMDS_E2E_AUDITD_PID" 2>/dev/null || return 1
  for ((i = 0; i < 40; i++)); do
    while IFS= read -r line; do
      case $line in
        "current plugin queue depth = "*) Q_DEPTH=${line##* = } ;;
        "max plugin queue depth used = "*) Q_MAX=${line##* = } ;;
        "plugin queue size = "*) Q_SIZE=${line##* = } ;;
        "plugin queue overflow detected = "*) Q_OVERFLOW=${line##* = } ;;
        "plugin queueing suspended = "*) Q_SUSPENDED=${line##* = } ;;
      esac
    done <"$STATE_FILE"
    # The last line auditd writes: the report is whole.
    [[ -n $Q_SUSPENDED ]] && return 0
    imds_nap 0.05
  done
  return 1
}

# The one /var/run/auditd.state of the machine: kept as found.
if [[ -e $STATE_FILE ]]; then
  cp -p "$STATE_FILE" "$WORK/auditd.state.before" && STATE_SAVED=saved
else
  STATE_SAVED=none
fi

# ------------------------------------------------------------------ set-up
imds_audit_session_begin || die "cannot start an audit session of our own"
imds_ns_up "$NS" || die "cannot set up the namespace $NS with the fake IMDS"

# The plugin under test: auditd runs a plugin only if root owns it (0750).
mkdir -m 0755 "$WORK/bin" "$WORK/conf"
install -m 0750 -o root -g root "$BINARY" "$WORK/bin/audisp-imds" || die "cannot copy $BINARY"
IMDS_ALERTS=   # set per run
write_imds_conf() { # ALERT_FILE
  cat >"$WORK/conf/audisp-imds.toml" <<EOF
# audisp-imds under bench_live.sh: the default rule, JSON alerts to a file,
# no alert rate limit (every probe must alert).
[output]
mode = "file"
file = "$1"

[limits]
alerts_per_window = 0
EOF
  chmod 0640 "$WORK/conf/audisp-imds.toml"
}
write_imds_conf "$WORK/check.json"
out=$("$WORK/bin/audisp-imds" --check-config --config "$WORK/conf/audisp-imds.toml" 2>&1) ||
  die "audisp-imds --check-config: $out"
mkdir -m 0750 "$WORK/plugins-imds" "$WORK/plugins-laurel"
cat >"$WORK/plugins-imds/audisp-imds.conf" <<EOF
active = yes
direction = out
path = $WORK/bin/audisp-imds
type = always
args = --config $WORK/conf/audisp-imds.toml
format = string
EOF
# Laurel: Debian's /etc/laurel/config.toml, but no user to drop to, its
# directory in the work dir and no rotation (its log is read afterwards).
write_laurel_conf() { # DIR
  cat >"$WORK/conf/laurel.toml" <<EOF
directory = "$1"
statusreport-period = 0

[auditlog]
file = "audit.log"
size = 4000000000
generations = 2

[transform]
execve-argv = [ "array" ]

[translate]
universal = false
user-db = false

[enrich]
pid = true
execve-env = [ "LD_PRELOAD", "LD_LIBRARY_PATH" ]
container = true
script = true

[label-process]
label-keys = [ "software_mgmt" ]
label-exe.'^/opt/.*/bin/java\$' = 'java'
label-exe.'^/usr/lib/jvm/.*/bin/java\$' = 'java'
label-exe.'^/snap/amazon-ssm-agent/\d+/' = 'amazon-ssm-agent'
unlabel-exe."bin/php\$" = "java"
label-script."maint" = "^/root/maint-.*[.]sh\$"
propagate-labels = [ "software_mgmt", "amazon-ssm-agent" ]
EOF
  chmod 0640 "$WORK/conf/laurel.toml"
}
cat >"$WORK/plugins-laurel/laurel.conf" <<EOF
active = yes
direction = out
type = always
format = string
path = $LAUREL
args = --config $WORK/conf/laurel.toml
EOF

# The kernel's backlog as Debian's /etc/audit/rules.d/audit.rules sets it.
KERNEL_SAVED="$(kernel_status backlog_limit) $(kernel_status backlog_wait_time)"
[[ $KERNEL_SAVED =~ ^[0-9]+\ [0-9]+$ ]] || die "cannot read the kernel's audit status: $KERNEL_SAVED"
auditctl -b 8192 --backlog_wait_time 60000 >/dev/null || die "auditctl -b 8192 --backlog_wait_time 60000 failed"

# auditd.conf: lib.sh's (Debian's q_depth and overflow_action), Debian's
# priority_boost, and no rotation: the log must hold the whole run.
IMDS_AUDITD_CONF_OVERRIDES=(priority_boost=4 max_log_file_action=IGNORE)

if [[ -n $LABEL ]]; then
  COMMIT=${LABEL// /_}
elif [[ -d $SRCDIR/.git ]] && command -v git >/dev/null 2>&1; then
  COMMIT=$(git -C "$SRCDIR" rev-parse --short=12 HEAD 2>/dev/null)
  [[ -n $(git -C "$SRCDIR" status --porcelain --untracked-files=no -- src 2>/dev/null) ]] && COMMIT="$COMMIT+dirty-src"
else
  COMMIT=unknown
fi
# The kernel's tick: backlog_wait_time and its _actual counter are in jiffies.
KERNEL_HZ=$( { zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null; } |
  sed -n 's/^CONFIG_HZ=\([0-9]*\)$/\1/p')
log "work directory $WORK; audisp-imds from $BINARY (tree $COMMIT); levels ${LEVEL_LIST[*]}; configurations ${CONFIG_LIST[*]}; ${DURATION}s each"

# probes_start N OUT: one curl a second (at 0.5 s, 1.5 s, ...) from a bash in
# the namespace; OUT gets "curl_pid exit_status epoch_time" per probe.
probes_start() {
  # shellcheck disable=SC2016 # expanded by the namespaced bash
  imds_ns_run "$NS" /usr/bin/bash -c '
    n=$1 out=$2
    exec 3<> <(:)
    start=${EPOCHREALTIME/./}
    for ((i = 0; i < n; i++)); do
      now=${EPOCHREALTIME/./}
      wait_us=$((start + i * 1000000 + 500000 - now))
      if ((wait_us > 0)); then
        printf -v t "%d.%06d" $((wait_us / 1000000)) $((wait_us % 1000000))
        read -r -t "$t" -u 3 _
      fi
      curl -s -m 2 -o /dev/null "http://$IMDS_IP/latest/meta-data/" &
      pid=$!
      wait "$pid"
      printf "%s %s %s\n" "$pid" "$?" "$EPOCHREALTIME" >>"$out"
    done' probes "$1" "$2" </dev/null &
  PROBE_PID=$!
}

# plugin_pid: the child auditd started for its plugin (waits up to 5 s).
plugin_pid() {
  local i p
  for ((i = 0; i < 50; i++)); do
    p=$(ps -o pid= --ppid "$IMDS_E2E_AUDITD_PID" 2>/dev/null | awk 'NR == 1 {print $1}')
    [[ -n $p ]] && { echo "$p"; return 0; }
    imds_nap 0.1
  done
  return 1
}

# run_one LEVEL CONFIG: one measured run; appends a line to $RESULTS.
run_one() {
  local level=$1 config=$2 dir=$WORK/run-$1-$2
  local -a kv=("level=$level" "config=$config" "duration=$DURATION" "commit=$COMMIT" "kernel_hz=${KERNEL_HZ:-0}")
  local plugin='' a0=0 a1=0 p0=0 p1=0 k0=0 k1=0 lost0=0 lost1=0 w0=0 w1=0 offset=0 t_drain
  local aw0=0 aw1=0 pw0=0 pw1=0
  local kauditd
  mkdir -m 0755 "$dir"
  kauditd=$(ps -e -o pid=,comm= | awk '$2 == "kauditd" {print $1; exit}')
  log "run: $level / $config"
  if [[ $config == off ]]; then
    # No auditd and no rules: the syscall cost without auditing.
    [[ $IMDS_E2E_AUDIT_ENABLED == 0 ]] && auditctl -e 0 >/dev/null 2>&1
  else
    local -a confs=()
    case $config in
      imds) IMDS_ALERTS=$dir/alerts.json; write_imds_conf "$IMDS_ALERTS"; confs=("$WORK/plugins-imds/audisp-imds.conf") ;;
      laurel) mkdir -m 0755 "$dir/laurel"; write_laurel_conf "$dir/laurel"; confs=("$WORK/plugins-laurel/laurel.conf") ;;
    esac
    imds_auditd_start "$dir/auditd" "${confs[@]}" || die "auditd did not start ($dir/auditd/auditd.out)"
    if [[ $config != auditd ]]; then
      plugin=$(plugin_pid) || die "auditd started no plugin for $config"
    fi
    imds_rules_load "$RULES" || die "loading $RULES failed"
    imds_nap 2   # the plugin reads /proc and the set-up's events
    [[ -z $plugin ]] || imds_pid_alive "$plugin" || die "the $config plugin (pid $plugin) exited at start"
    offset=$(stat -c %s "$dir/auditd/audit.log")
    lost0=$(kernel_status lost) w0=$(kernel_status backlog_wait_time_actual)
    a0=$(cpu_ticks "$IMDS_E2E_AUDITD_PID") p0=$(cpu_ticks "$plugin") k0=$(cpu_ticks "$kauditd")
    aw0=$(wakeups "$IMDS_E2E_AUDITD_PID") pw0=$(wakeups "$plugin")
    probes_start "$DURATION" "$dir/probes.txt"
    if ((PROFILE)); then
      perf record -q -e cpu-clock -F 999 -g -p "$IMDS_E2E_AUDITD_PID${plugin:+,$plugin}" \
        -o "$dir/perf.data" >/dev/null 2>&1 &
      PERF_PID=$!
    fi
  fi
  # shellcheck disable=SC2046
  "$GEN" $(level_args "$level") --duration "$DURATION" --summary "$dir/gen.txt" &
  GEN_PID=$!
  wait "$GEN_PID" || die "the generator failed (status $?)"
  GEN_PID=
  if [[ $config != off ]]; then
    wait "$PROBE_PID"
    PROBE_PID=
    if [[ -n $PERF_PID ]]; then
      kill -INT "$PERF_PID" 2>/dev/null
      wait "$PERF_PID"
      PERF_PID=
      perf report -i "$dir/perf.data" --no-children --sort comm,dso,symbol --stdio -g none 2>/dev/null |
        grep -v '^#' | grep -v '^$' | sed -e 's/[[:space:]]*-[[:space:]]*-[[:space:]]*$//' -e 's/  */ /g' |
        head -n 30 >"$dir/perf-top.txt"
      log "profile of auditd${plugin:+ and the plugin} ($config, $level; self cost, top 30):"
      sed 's/^/    /' "$dir/perf-top.txt" >&2
    fi
    # Drain: the plugin queue empty and auditd and the plugin idle for 1 s.
    local t0=$SECONDS prev='' cur stable=0 alive=yes
    while ((SECONDS - t0 < 60)); do
      state_report || die "auditd wrote no state report"
      cur="$(cpu_ticks "$IMDS_E2E_AUDITD_PID") $(cpu_ticks "$plugin")"
      if [[ $Q_DEPTH == 0 && $cur == "$prev" ]]; then
        ((++stable >= 2)) && break
      else
        stable=0
      fi
      prev=$cur
      imds_nap 0.5
    done
    t_drain=$((SECONDS - t0))
    a1=$(cpu_ticks "$IMDS_E2E_AUDITD_PID") p1=$(cpu_ticks "$plugin") k1=$(cpu_ticks "$kauditd")
    aw1=$(wakeups "$IMDS_E2E_AUDITD_PID") pw1=$(wakeups "$plugin")
    lost1=$(kernel_status lost) w1=$(kernel_status backlog_wait_time_actual)
    [[ -z $plugin ]] || imds_pid_alive "$plugin" || alive=no
    local hwm=
    [[ -n $plugin ]] && hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$plugin/status" 2>/dev/null)
    cp "$STATE_FILE" "$dir/auditd.state" 2>/dev/null
    imds_auditd_stop   # deletes the rules; auditd stops its plugin first
    # Events auditd received during the run: distinct serials in its log.
    local counts
    counts=$(tail -c +$((offset + 1)) "$dir/auditd/audit.log" | LC_ALL=C awk '
      { i = index($0, "msg=audit("); if (!i) next; s = substr($0, i + 10, 40); j = index(s, ")");
        s = substr(s, 1, j - 1); records++; if (!(s in seen)) { seen[s] = 1; events++ } }
      END { printf "events=%d records=%d", events, records }')
    # shellcheck disable=SC2206
    kv+=($counts "drain_s=$t_drain" "hz=$HZ"
      "auditd_ticks=$((a1 - a0))" "plugin_ticks=$((p1 - p0))" "kauditd_ticks=$((k1 - k0))"
      "auditd_wakeups=$((aw1 - aw0))" "plugin_wakeups=$((pw1 - pw0))"
      "kernel_lost=$((lost1 - lost0))" "backlog_wait_actual=$((w1 - w0))"
      "queue_peak=$Q_MAX" "queue_size=$Q_SIZE" "queue_overflow=$Q_OVERFLOW" "queue_suspended=$Q_SUSPENDED"
      "plugin_alive=$alive" "plugin_hwm_kib=${hwm:-0}")
    case $config in
      imds)
        # shellcheck disable=SC2207 # key=value words
        kv+=($(python3 "$HERE/live_report.py" alerts --probes "$dir/probes.txt" --alerts "$IMDS_ALERTS")) ;;
      laurel)
        # shellcheck disable=SC2207 # key=value words
        kv+=($(python3 "$HERE/live_report.py" laurel --probes "$dir/probes.txt" --log "$dir/laurel/audit.log")) ;;
      *)
        kv+=("probes=$(wc -l <"$dir/probes.txt")") ;;
    esac
    ((KEEP)) || rm -f "$dir/auditd/audit.log"* "$dir/laurel/audit.log"*
  fi
  # shellcheck disable=SC2207
  kv+=($(sed 's/^/gen_/' "$dir/gen.txt"))
  echo "${kv[*]}" >>"$RESULTS"
}

for level in "${LEVEL_LIST[@]}"; do
  for config in "${CONFIG_LIST[@]}"; do
    [[ -n $config ]] && run_one "$level" "$config"
  done
done

report_args=(report --results "$RESULTS")
((SMOKE)) && report_args+=(--smoke)
[[ -n $MARKDOWN ]] && report_args+=(--markdown "$MARKDOWN")
python3 "$HERE/live_report.py" "${report_args[@]}"
