# shellcheck shell=bash
# Reusable pieces for audisp-imds end-to-end tests: a network namespace that owns
# 169.254.169.254 with a fake metadata service in it, a private auditd instance
# whose plugin stream we control, and a cleanup that undoes all of it.
#
# Source this file from bash. Every function returns non-zero on failure and
# prints why on stderr; nothing here calls `exit` except imds_skip_unless_audit.
#
# Safety, by construction:
#   * Clients that talk to 169.254.169.254 run only through imds_ns_run, i.e. inside
#     a namespace made here, whose only interface is its loopback. A packet from
#     there cannot leave the machine, whatever the client does.
#   * auditd runs only with a private config dir (auditd -n -c DIR): /etc/audit is
#     never read or written.
#   * Only processes started here are ended, by the pid recorded when starting them.
#   * Files are only ever created where they did not exist (never overwritten) and
#     are removed again by imds_cleanup, together with the directories made for them.
#
# Typical use:
#   source tests/e2e/lib.sh
#   imds_skip_unless_audit                 # exits 77 with "SKIPPED: why"
#   trap imds_cleanup EXIT
#   imds_audit_session_begin               # optional: audit only our own session
#   imds_ns_up imds-e2e-$$
#   conf=$(imds_capture_plugin_conf "$work" "$work/stream.log")   # or your plugin's .conf
#   imds_auditd_start "$work/auditd" "$conf"
#   imds_rules_load rules/audisp-imds.rules
#   imds_ns_run imds-e2e-$$ /usr/bin/bash -c 'curl -s http://169.254.169.254/latest/meta-data/; true'
#   sleep 2.5; imds_auditd_stop            # the plugin has seen everything once this returns

IMDS_E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMDS_IP=169.254.169.254
# The environment every namespaced client gets: no proxies, no pyenv/rbenv shims,
# so the binaries (and so the audited exe= paths) are the distribution's.
IMDS_E2E_PATH=/usr/sbin:/usr/bin:/sbin:/bin

IMDS_E2E_NETNS=()         # namespaces made by imds_ns_up
IMDS_E2E_PIDS=()          # background processes started here (servers), by pid
IMDS_E2E_AUDITD_PID=      # our auditd, when running
IMDS_E2E_AUDIT_ENABLED=   # the kernel's audit "enabled" flag before our first auditd
IMDS_E2E_RULES_LOADED=    # set once we touched the kernel's audit rules
IMDS_E2E_FILES=()         # files created here, removed by imds_cleanup
IMDS_E2E_DIRS=()          # directories created here, removed (when empty) by imds_cleanup

imds_log() { printf 'e2e: %s\n' "$*" >&2; }

# imds_nap SECONDS: sleep without starting a process (a read that times out on
# a pipe nobody writes), so waiting never shows up as an exec in a capture.
IMDS_E2E_NAP_FD=
imds_nap() {
  [[ -n $IMDS_E2E_NAP_FD ]] || exec {IMDS_E2E_NAP_FD}<> <(:)
  read -r -t "$1" -u "$IMDS_E2E_NAP_FD" _ || true
}

# Prints "SKIPPED: <why>" and exits 77 (the automake/TAP skip code) unless this
# process can run its own auditd: root, CAP_AUDIT_CONTROL, a kernel audit
# subsystem that answers, the tools present, and no other auditd registered.
imds_skip_unless_audit() {
  local why='' capeff
  if [[ $(id -u) != 0 ]]; then
    why="not root"
  else
    capeff=$(awk '/^CapEff:/ {print $2}' /proc/self/status 2>/dev/null)
    # CAP_AUDIT_CONTROL is capability 30.
    if [[ -z $capeff ]] || (( (16#$capeff >> 30 & 1) == 0 )); then
      why="no CAP_AUDIT_CONTROL"
    fi
  fi
  if [[ -z $why ]]; then
    local tool
    for tool in auditd auditctl ip /usr/bin/python3; do
      command -v "$tool" >/dev/null 2>&1 || { why="$tool not installed"; break; }
    done
  fi
  if [[ -z $why ]]; then
    local status
    if ! status=$(auditctl -s 2>&1); then
      why="auditctl -s failed: ${status//$'\n'/ }"
    elif [[ $(awk '$1 == "pid" {print $2}' <<<"$status") != 0 ]]; then
      why="another auditd (pid $(awk '$1 == "pid" {print $2}' <<<"$status")) owns the audit stream"
    elif [[ $(awk '$1 == "enabled" {print $2}' <<<"$status") == 2 ]]; then
      why="audit configuration is locked (enabled 2)"
    fi
  fi
  if [[ -n $why ]]; then
    printf 'SKIPPED: %s\n' "$why"
    exit 77
  fi
}

# imds_pid_alive PID: the process exists and is not a zombie (a child that has
# exited but that this shell has not reaped yet, e.g. while in a trap handler).
imds_pid_alive() {
  local stat state
  kill -0 "$1" 2>/dev/null || return 1
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  read -r state _ <<<"${stat##*) }"
  [[ $state != Z ]]
}

# imds_mkdir_new DIR: create DIR (and missing parents), refusing if DIR exists.
imds_mkdir_new() {
  if [[ -e $1 || -L $1 ]]; then
    imds_log "refusing to reuse existing $1"
    return 1
  fi
  imds_mkdir "$1"
}

# imds_mkdir DIR: mkdir -p, remembering every directory it had to create.
imds_mkdir() {
  local dir=$1 missing=() d=$1
  while [[ -n $d && $d != / && ! -e $d ]]; do
    missing=("$d" "${missing[@]}")
    d=$(dirname "$d")
  done
  for d in "${missing[@]}"; do
    mkdir -m 0755 "$d" || return 1
    IMDS_E2E_DIRS+=("$d")
  done
  [[ -d $dir ]]
}

# imds_install_file SRC DEST [MODE]: copy SRC to DEST, refusing to overwrite
# anything; DEST (and any directory made for it) is removed by imds_cleanup.
imds_install_file() {
  local src=$1 dest=$2 mode=${3:-0755}
  if [[ -e $dest || -L $dest ]]; then
    imds_log "refusing to overwrite existing $dest"
    return 1
  fi
  imds_mkdir "$(dirname "$dest")" || return 1
  # noclobber makes the create itself fail if someone raced us to the name.
  (set -o noclobber; cat "$src" >"$dest") || return 1
  IMDS_E2E_FILES+=("$dest")
  chmod "$mode" "$dest"
}

# imds_created_mark: print a mark for imds_remove_created (what exists so far:
# files, directories, network namespaces and background processes).
imds_created_mark() {
  printf '%s:%s:%s:%s\n' "${#IMDS_E2E_FILES[@]}" "${#IMDS_E2E_DIRS[@]}" \
    "${#IMDS_E2E_NETNS[@]}" "${#IMDS_E2E_PIDS[@]}"
}

# imds_remove_created [MARK]: undo what was made since MARK (default: all of
# it), newest first: stop the background processes started since (by pid),
# delete the namespaces made since, remove the files and then the
# directories (a directory only when empty).
imds_remove_created() {
  local mark=${1:-0:0:0:0} i
  local f0 d0 n0 p0
  IFS=: read -r f0 d0 n0 p0 <<<"$mark"
  n0=${n0:-${#IMDS_E2E_NETNS[@]}} p0=${p0:-${#IMDS_E2E_PIDS[@]}}
  for ((i = ${#IMDS_E2E_PIDS[@]} - 1; i >= p0; i--)); do
    imds_stop_pid "${IMDS_E2E_PIDS[i]}" 50
    unset 'IMDS_E2E_PIDS[i]'
  done
  for ((i = ${#IMDS_E2E_NETNS[@]} - 1; i >= n0; i--)); do
    ip netns del "${IMDS_E2E_NETNS[i]}" 2>/dev/null
    unset 'IMDS_E2E_NETNS[i]'
  done
  for ((i = ${#IMDS_E2E_FILES[@]} - 1; i >= f0; i--)); do
    rm -f -- "${IMDS_E2E_FILES[i]}"
    unset 'IMDS_E2E_FILES[i]'
  done
  for ((i = ${#IMDS_E2E_DIRS[@]} - 1; i >= d0; i--)); do
    rmdir -- "${IMDS_E2E_DIRS[i]}" 2>/dev/null
    unset 'IMDS_E2E_DIRS[i]'
  done
}

# imds_ns_up NAME [EXTRA_ADDR...]: a namespace NAME with only its loopback, up,
# holding 169.254.169.254/32 (served by fake_imds.py on port 80) and each
# EXTRA_ADDR/32 (nothing listens there: connections are refused).
imds_ns_up() {
  local ns=$1; shift
  if ip netns list | awk '{print $1}' | grep -qxF -- "$ns"; then
    imds_log "network namespace $ns already exists; not reusing what we did not make"
    return 1
  fi
  ip netns add "$ns" || return 1
  IMDS_E2E_NETNS+=("$ns")
  ip -n "$ns" link set lo up || return 1
  local addr
  for addr in "$IMDS_IP" "$@"; do
    ip -n "$ns" addr add "$addr/32" dev lo || return 1
  done
  # The namespace must have no way out: lo is its only link.
  local links
  links=$(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | sort -u | tr '\n' ' ')
  if [[ $links != "lo " ]]; then
    imds_log "namespace $ns has links other than lo: $links"
    return 1
  fi
  local ready pid i
  ready=$(mktemp -u "/tmp/imds-e2e-ready.XXXXXX")
  ip netns exec "$ns" /usr/bin/python3 "$IMDS_E2E_LIB_DIR/fake_imds.py" \
    --address "$IMDS_IP" --port 80 --ready-file "$ready" \
    >"/tmp/imds-e2e-fake-imds-$ns.log" 2>&1 </dev/null &
  pid=$!
  IMDS_E2E_PIDS+=("$pid")
  IMDS_E2E_FILES+=("/tmp/imds-e2e-fake-imds-$ns.log" "$ready")
  for ((i = 0; i < 100; i++)); do
    [[ -s $ready ]] && break
    kill -0 "$pid" 2>/dev/null || { imds_log "fake IMDS server exited early"; return 1; }
    imds_nap 0.05
  done
  [[ -s $ready ]] || { imds_log "fake IMDS server did not become ready"; return 1; }
  # shellcheck disable=SC2034 # for callers: the fake server's pid
  IMDS_E2E_SERVER_PID=$pid
}

# imds_ns_blackhole_up NAME: a second kind of namespace, where a connect to
# 169.254.169.254:80 blocks until it times out (ETIMEDOUT after ~3 s), and no
# packet goes anywhere but the namespace's own loopback. Only lo, holding
# 169.254.169.254/32; net.ipv4.tcp_syn_retries = 1 (a per-namespace sysctl:
# SYN, one retry, give up after 1 + 2 s). A listener on 0.0.0.0:80 with a
# backlog of 0 fills its own accept queue with one connection to
# 127.0.0.1:80 and never accepts: the kernel then drops every further SYN
# (a full accept queue), so the client retransmits into nothing. (A dummy
# device with a route would do as well; not every kernel has one.) The
# listener is started here, by pid, and ended by imds_cleanup /
# imds_remove_created, which also delete the namespace.
imds_ns_blackhole_up() {
  local ns=$1
  if ip netns list | awk '{print $1}' | grep -qxF -- "$ns"; then
    imds_log "network namespace $ns already exists; not reusing what we did not make"
    return 1
  fi
  ip netns add "$ns" || return 1
  IMDS_E2E_NETNS+=("$ns")
  ip -n "$ns" link set lo up || return 1
  ip -n "$ns" addr add "$IMDS_IP/32" dev lo || return 1
  ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_syn_retries=1 >/dev/null || return 1
  local links
  links=$(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | sort -u | tr '\n' ' ')
  if [[ $links != "lo " ]]; then
    imds_log "namespace $ns has links other than lo: $links"
    return 1
  fi
  local ready pid i
  ready=$(mktemp -u "/tmp/imds-e2e-ready.XXXXXX")
  ip netns exec "$ns" /usr/bin/python3 -c '
import signal, socket, sys
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", 80))
listener.listen(0)
filler = socket.create_connection(("127.0.0.1", 80))
with open(sys.argv[1], "w") as f:
    f.write("full\n")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.pause()
' "$ready" </dev/null >/dev/null 2>&1 &
  pid=$!
  IMDS_E2E_PIDS+=("$pid")
  IMDS_E2E_FILES+=("$ready")
  for ((i = 0; i < 100; i++)); do
    [[ -s $ready ]] && return 0
    kill -0 "$pid" 2>/dev/null || { imds_log "full-backlog listener exited early"; return 1; }
    imds_nap 0.05
  done
  imds_log "full-backlog listener did not become ready"
  return 1
}

# imds_ns_run NAME CMD...: run CMD inside namespace NAME with a clean environment
# (no proxy variables, a distribution PATH, IMDS_IP set). `ip netns exec` execs
# CMD in its own pid (no fork), so the pid of this call's process is CMD's pid.
imds_ns_run() {
  local ns=$1; shift
  env -i PATH="$IMDS_E2E_PATH" HOME=/root LANG=C.UTF-8 IMDS_IP="$IMDS_IP" \
    ip netns exec "$ns" "$@"
}

# imds_capture_plugin_conf WORKDIR OUTFILE: make an auditd plugin that writes the
# exact stream auditd hands its plugins to OUTFILE; prints the .conf's path.
imds_capture_plugin_conf() {
  local work=$1 out=$2
  mkdir -p "$work" || return 1
  printf '#!/bin/sh\nexec cat > %q\n' "$out" >"$work/cap.sh" || return 1
  chown root:root "$work/cap.sh" && chmod 0750 "$work/cap.sh" || return 1
  cat >"$work/cap.conf" <<EOF
active = yes
direction = out
path = $work/cap.sh
type = always
format = string
EOF
  chmod 0640 "$work/cap.conf"
  printf '%s\n' "$work/cap.conf"
}

# imds_auditd_conf DIR [KEY=VALUE...]: prints the auditd.conf of a private
# auditd whose log and plugin dir are inside DIR, every space/disk action
# "ignore" (a test's log is scratch); each KEY=VALUE replaces that key's line
# or, for a key not listed, is added. Knobs as for imds_auditd_start.
imds_auditd_conf() {
  local dir=$1; shift
  cat <<EOF | awk -v overrides="$(printf '%s\n' "$@")" '
    BEGIN { n = split(overrides, o, "\n"); for (i = 1; i <= n; i++) if (o[i] != "") {
              k = substr(o[i], 1, index(o[i], "=") - 1); v[k] = substr(o[i], index(o[i], "=") + 1); order[++m] = k } }
    { key = $1 } key in v { print key " = " v[key]; done[key] = 1; next } { print }
    END { for (i = 1; i <= m; i++) if (!(order[i] in done)) print order[i] " = " v[order[i]] }'
local_events = yes
write_logs = yes
log_file = $dir/audit.log
log_group = root
log_format = ${IMDS_AUDITD_LOG_FORMAT:-ENRICHED}
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8
num_logs = 2
priority_boost = 0
name_format = ${IMDS_AUDITD_NAME_FORMAT:-NONE}
${IMDS_AUDITD_NAME:+name = $IMDS_AUDITD_NAME}
max_log_file_action = ROTATE
space_left = 2
space_left_action = ignore
verify_email = no
action_mail_acct = root
admin_space_left = 1
admin_space_left_action = ignore
disk_full_action = ignore
disk_error_action = ignore
use_libwrap = no
tcp_listen_queue = 5
tcp_max_per_addr = 1
tcp_client_max_idle = 0
transport = TCP
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 3
plugin_dir = $dir/plugins.d
end_of_event_timeout = 2
EOF
}

# imds_auditd_start DIR PLUGIN_CONF...: run `auditd -n -c DIR` in the background
# with its own auditd.conf (log and plugin dir inside DIR, every space/disk
# action "ignore"), the given plugin .conf files copied into DIR/plugins.d.
# Knobs: IMDS_AUDITD_LOG_FORMAT (ENRICHED|RAW, default ENRICHED),
# IMDS_AUDITD_NAME_FORMAT (NONE|HOSTNAME|FQD|NUMERIC|USER) and IMDS_AUDITD_NAME;
# IMDS_AUDITD_CONF_OVERRIDES, an array of KEY=VALUE, is handed to
# imds_auditd_conf (e.g. priority_boost=4 as Debian ships it).
# Returns once the kernel reports this auditd's pid.
imds_auditd_start() {
  local dir=$1; shift
  if [[ -n $IMDS_E2E_AUDITD_PID ]]; then
    imds_log "auditd already started (pid $IMDS_E2E_AUDITD_PID)"
    return 1
  fi
  local current
  current=$(auditctl -s 2>/dev/null | awk '$1 == "pid" {print $2}')
  if [[ $current != 0 ]]; then
    imds_log "another auditd (pid ${current:-?}) is registered with the kernel"
    return 1
  fi
  # auditd enables auditing (enabled 1) and leaves it so: imds_cleanup puts
  # back what the kernel said before the first start.
  [[ -n $IMDS_E2E_AUDIT_ENABLED ]] ||
    IMDS_E2E_AUDIT_ENABLED=$(auditctl -s 2>/dev/null | awk '$1 == "enabled" {print $2}')
  mkdir -p "$dir/plugins.d" || return 1
  chmod 0750 "$dir" "$dir/plugins.d"
  local conf
  for conf in "$@"; do
    install -m 0640 -o root -g root "$conf" "$dir/plugins.d/$(basename "$conf")" || return 1
  done
  imds_auditd_conf "$dir" ${IMDS_AUDITD_CONF_OVERRIDES[@]+"${IMDS_AUDITD_CONF_OVERRIDES[@]}"} \
    >"$dir/auditd.conf" || return 1
  chmod 0640 "$dir/auditd.conf"
  auditd -n -c "$dir" >"$dir/auditd.out" 2>&1 </dev/null &
  IMDS_E2E_AUDITD_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    current=$(auditctl -s 2>/dev/null | awk '$1 == "pid" {print $2}')
    [[ $current == "$IMDS_E2E_AUDITD_PID" ]] && return 0
    if ! kill -0 "$IMDS_E2E_AUDITD_PID" 2>/dev/null; then
      imds_log "auditd exited at start: $(tr '\n' ' ' <"$dir/auditd.out")"
      wait "$IMDS_E2E_AUDITD_PID" 2>/dev/null
      IMDS_E2E_AUDITD_PID=
      return 1
    fi
    imds_nap 0.1
  done
  imds_log "auditd (pid $IMDS_E2E_AUDITD_PID) did not register with the kernel"
  return 1
}

# imds_audit_session_begin: give this shell (and so everything it starts from
# now on) a fresh audit session, by writing its loginuid (kept as it was, or 0
# when unset). Call it in the main shell, never in $(...). Once set,
# imds_rules_load scopes the rules it loads to this session, so a capture holds
# only our own processes' events, not those of everything else running on the
# machine. Records then carry auid=0 (or the caller's auid) and ses=N, as after a
# login.
IMDS_E2E_SESSION=
imds_audit_session_begin() {
  local auid
  # These files end without a newline: read returns 1 yet sets the variable.
  read -r auid </proc/self/loginuid || [[ -n $auid ]] || return 1
  [[ $auid == 4294967295 ]] && auid=0
  printf '%s' "$auid" >/proc/self/loginuid || { imds_log "cannot set loginuid"; return 1; }
  read -r IMDS_E2E_SESSION </proc/self/sessionid || [[ -n $IMDS_E2E_SESSION ]] || return 1
  if [[ -z $IMDS_E2E_SESSION || $IMDS_E2E_SESSION == 4294967295 ]]; then
    imds_log "no audit session after setting loginuid"
    IMDS_E2E_SESSION=
    return 1
  fi
}

# imds_rules_load FILE: load audit rules (auditctl -R), remembering to delete
# them. With a session from imds_audit_session_begin, two "never" rules go first:
# exec and connect of any other session are not audited at all.
imds_rules_load() {
  IMDS_E2E_RULES_LOADED=1
  if [[ -n $IMDS_E2E_SESSION ]]; then
    auditctl -a never,exit -F arch=b64 -S execve,execveat,connect \
      -F sessionid!="$IMDS_E2E_SESSION" >/dev/null || return 1
    auditctl -a never,exit -F arch=b32 -S execve,execveat,connect,socketcall \
      -F sessionid!="$IMDS_E2E_SESSION" >/dev/null || return 1
  fi
  auditctl -R "$1" >/dev/null
}

# imds_rules_delete: auditctl -D if we ever loaded rules.
imds_rules_delete() {
  if [[ -n $IMDS_E2E_RULES_LOADED ]]; then
    auditctl -D >/dev/null 2>&1
    IMDS_E2E_RULES_LOADED=
  fi
}

# imds_auditd_stop: delete our rules, SIGTERM our auditd and wait for it to end
# (it stops its plugins first, so a capture file is complete afterwards).
imds_auditd_stop() {
  imds_rules_delete
  imds_auditd_terminate
}

# imds_auditd_terminate: SIGTERM our auditd and wait for it, leaving the rules
# as they are (a recorder that wants the stream to end before its own
# `auditctl -D` shows up in it calls this, then imds_rules_delete).
imds_auditd_terminate() {
  local pid=$IMDS_E2E_AUDITD_PID
  [[ -n $pid ]] || return 0
  imds_stop_pid "$pid" || imds_log "auditd (pid $pid) ignored SIGTERM for 10 s; it was sent SIGKILL"
  IMDS_E2E_AUDITD_PID=
  return 0
}

# imds_stop_pid PID [TENTHS]: SIGTERM a process this shell started, wait up
# to TENTHS tenths of a second (default 100) for it to end, then SIGKILL;
# reap it. Returns 1 when SIGKILL was needed. An empty PID is a no-op.
imds_stop_pid() {
  local pid=$1 tenths=${2:-100} i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < tenths; i++)); do
    imds_pid_alive "$pid" || break
    imds_nap 0.1
  done
  local killed=0
  if imds_pid_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null
    killed=1
  fi
  wait "$pid" 2>/dev/null
  return $killed
}

# imds_cleanup: undo everything above; safe to call more than once (use it in traps).
imds_cleanup() {
  imds_auditd_stop
  if [[ $IMDS_E2E_AUDIT_ENABLED == 0 ]]; then
    auditctl -e 0 >/dev/null 2>&1
  fi
  local pid ns
  for pid in "${IMDS_E2E_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  IMDS_E2E_PIDS=()
  for ns in "${IMDS_E2E_NETNS[@]}"; do
    ip netns del "$ns" 2>/dev/null
  done
  IMDS_E2E_NETNS=()
  imds_remove_created 0:0
}
