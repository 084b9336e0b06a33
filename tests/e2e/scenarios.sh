# shellcheck shell=bash
# The end-to-end scenarios of audisp-imds, shared by record-captures.sh (which
# records each one into its own capture under tests/data) and live_test.sh
# (which runs them one after the other against a live auditd + audisp-imds +
# rsyslog and checks the alerts). Source it from bash after lib.sh.
#
# A harness provides:
#   WORK            a private directory (0755)
#   NS              a namespace from `imds_ns_up NS 169.254.169.253`
#   capture_begin MODE   hook run by each scenario before its clients start;
#                   MODE is enriched | raw | node | narrowed (the auditd
#                   settings the scenario is about); non-zero = cannot run
#   capture_end          hook run once the scenario's clients have finished
# and calls, once, scenarios_prepare; then per scenario: sets CAP (a fresh
# directory holding empty wA/ and wB/) and CLAIMS (CAP/claims), runs
# `claim scenario NAME`, takes a mark (imds_created_mark), runs scn_NAME, and
# afterwards scenarios_end_wrappers and imds_remove_created MARK.
#
# How the expectations are known (by construction, never by running a rule
# engine): each scenario runs its clients from a fresh wrapper shell
# (`ip netns exec NS /usr/bin/bash -c ...`) that writes its own pid ($$) and,
# for each client it starts, the client's pid ($!) and its argument list; a
# client that starts processes of its own (a script, a shell) does the same
# (SUB_LAUNCH). The harness therefore knows every pid, parent pid,
# executable, argument list and working directory, and which files it wrote
# as `#!` scripts, before it reads any audit record: the scenario writes
# them to CLAIMS (claim, claim_wrappers, claim_seq, expect_alerts).
# capture_check.py finds each of these facts in the raw records (and that the
# wrapper started nothing else) and writes the .expect file only when all of
# them hold. The alert counts are reasoned per scenario in the comments below,
# against
#   v3       Elastic 8.17.4 rule version 3: maxspan 1s (/work/shared/rule/elastic-imds-rule.md)
#   upstream the 2025-09-29 revision (rules/upstream/*.toml): maxspan 3s, adds
#            "bash"/"sh" to the names, replaces "*169.254.169.254*" by 13 endpoint
#            patterns, more parent exclusions, an entry-leader exclusion and the
#            /usr/bin/curl carve-outs (IMDSv2 token PUT with ttl header; GET with
#            "-H X-aws-ec2-metadata-token:").
# Facts every scenario shares:
#   * The wrapper shell's own exec is in the capture (so replay knows the
#     clients' parent), but the wrapper's parent (the recorder) never exec'd
#     during the capture: in replay the wrapper has process.parent.executable ==
#     null, so the wrapper itself can never be a stage-A event, although its
#     command line contains the URLs and upstream lists "bash".
#     Live (live_test.sh), the plugin finds that parent in /proc: the wrapper's
#     `env ... IMDS_IP=169.254.169.254 ...` exec can then be a stage-A event
#     (command line), but the only child of its parent is the wrapper itself,
#     which never connects to the IMDS, so that sequence never completes.
#   * Clients run in sequence (launch waits for each), so at most one sequence
#     is pending per parent; timing is checked: an alerting pair must be
#     <= 900 ms apart (v3's 1 s with margin), or the scenario is re-recorded.
#   * Upstream's entry_leader exclusion never applies: the session's leader
#     (the recorder) never exec'd in the capture, and whatever an engine takes
#     as entry leader here is none of the three excluded agents.
#   * Connect results vary (-115 EINPROGRESS for non-blocking clients, 0 for
#     blocking ones); the rule counts any attempt.
#
# Only the shipped rules/audisp-imds.rules are loaded, preceded by two "never"
# rules that drop exec/connect of every other audit session (lib.sh:
# imds_audit_session_begin): other users of this machine would otherwise fill
# the captures. Our processes therefore carry auid=0 and a session id.
# Scenario bodies are single-quoted on purpose: they expand in the wrapper shell.
# shellcheck disable=SC2016

# shellcheck disable=SC2034 # read by the harnesses that source this file
ALL_SCENARIOS=(
  curl wget python3_urllib python3_ipv4_mapped_ipv6 perl_io_socket node_http php_file_get_contents
  ruby_net_http lua_socket_http socat gawk_inet openssl_s_client ncat
  curl_copy_tmp curl_copy_dev_shm_relative script_tmp_devtcp
  unlisted_binary_iam_url unlisted_binary_generic_url
  imdsv2_curl imdsv2_curl_long_options bash_devtcp_env i386_socketcall_exec_connect
  neg_other_address neg_python3_delayed_1500ms neg_excluded_working_directory
  neg_excluded_executable neg_excluded_parent_executable neg_other_parent
  curl.raw script_tmp_devtcp.raw imdsv2_curl.raw curl_node_name curl_narrowed_rules
  neg_script_parent_dhclient_script neg_script_parent_setup_policy_routes
  neg_script_parent_update_motd_30_banner neg_script_parent_eic_curl_authorized_keys
  neg_python3_script_tool python3_script_tool_env curl_dotdot_excluded_spelling
  python3_blocking_connect_late neg_connect_enotsock neg_connect_einval_eafnosupport
  python3_parent_reexec
)

declare -gA WRAP_DIR=() WRAP_BG=() WRAP_SHELL=()
CAP=          # this scenario attempt's directory
CLAIMS=       # its claims file

# parent_of PID: its parent pid from /proc (empty when gone), without an exec.
parent_of() {
  local stat ppid
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  read -r _ ppid _ <<<"${stat##*) }"
  printf '%s\n' "$ppid"
}

# end_wrapper ID: end a still-running wrapper shell and the clients it started.
# A pid is signalled only while it is still the child of the process that
# started it, so a recycled pid is never touched.
end_wrapper() {
  local id=$1 wpid='' pid
  [[ -f ${WRAP_DIR[$id]}/pid ]] && read -r wpid <"${WRAP_DIR[$id]}/pid"
  [[ -n $wpid ]] || return 0
  if [[ -f ${WRAP_DIR[$id]}/launched ]]; then
    while IFS=$'\t' read -r pid _; do
      [[ $(parent_of "$pid") == "$wpid" ]] && kill -TERM "$pid" 2>/dev/null
    done <"${WRAP_DIR[$id]}/launched"
  fi
  [[ $(parent_of "$wpid") == "${WRAP_BG[$id]}" ]] && kill -TERM "$wpid" 2>/dev/null
  return 0
}


# scenarios_end_wrappers: end every wrapper still running (and its clients),
# reap them and forget them.
scenarios_end_wrappers() {
  local id
  for id in "${!WRAP_DIR[@]}"; do
    end_wrapper "$id"
    [[ -n ${WRAP_BG[$id]:-} ]] && wait "${WRAP_BG[$id]}" 2>/dev/null
  done
  WRAP_DIR=() WRAP_BG=() WRAP_SHELL=()
  return 0
}

# The harness's own waiting starts no process, so it stays out of the captures.
nap() { imds_nap "$1"; }

# scenarios_prepare: the files every scenario uses, in WORK.
scenarios_prepare() {
  # Scenario shells source this: launch/launch_in start one client as a child of
  # the wrapper shell and record its pid and argument list.
  cat >"$WORK/prelude.sh" <<'PRELUDE'
S=$1
printf '%s\n' "$$" >"$S/pid"
# Clients that start processes of their own (a script parent, a shell that
# backgrounds a client) record each one in $IMDS_E2E_S/sub as
# "PID<TAB>THEIR OWN PID<TAB>ARGS" (see SUB_LAUNCH in scenarios.sh).
export IMDS_E2E_S=$S
launch() { "$@" & printf '%s\t%s\n' "$!" "$*" >>"$S/launched"; wait "$!"; }
launch_in() { local in=$1; shift; "$@" <"$in" & printf '%s\t%s\n' "$!" "$*" >>"$S/launched"; wait "$!"; }
# nap SECONDS: wait without starting a process (no exec in the capture).
nap() { [[ -n ${NAP_FD:-} ]] || exec {NAP_FD}<> <(:); read -r -t "$1" -u "$NAP_FD" _ || true; }
PRELUDE
  printf 'GET /latest/meta-data/ HTTP/1.0\r\nHost: 169.254.169.254\r\n\r\n' >"$WORK/http_request"
  chmod 0644 "$WORK/prelude.sh" "$WORK/http_request"
}

claim() { printf '%s=%s\n' "$1" "$2" >>"$CLAIMS"; }

# start_wrapper ID BODY [SHELL [NAMESPACE]]: run BODY in a fresh shell inside
# the namespace (default NS).
start_wrapper() {
  local id=$1 body=$2 shell=${3:-/usr/bin/bash} ns=${4:-$NS}
  local dir=$CAP/w$id # made before the capture started: no mkdir exec in it
  WRAP_DIR[$id]=$dir
  WRAP_SHELL[$id]=$shell
  imds_ns_run "$ns" "$shell" -c ". $WORK/prelude.sh \"\$1\"
$body" "wrapper-$id" "$dir" >"$dir/out" 2>&1 &
  WRAP_BG[$id]=$!
}

# wait_wrapper ID: wait (at most 30 s) for the wrapper to finish.
wait_wrapper() {
  local id=$1 i
  for ((i = 0; i < 600; i++)); do
    kill -0 "${WRAP_BG[$id]}" 2>/dev/null || break
    nap 0.05
  done
  if kill -0 "${WRAP_BG[$id]}" 2>/dev/null; then
    imds_log "wrapper $id hung; ending it and its clients"
    end_wrapper "$id"
  fi
  wait "${WRAP_BG[$id]}" 2>/dev/null
  return 0
}

# wait_launched ID N: wait until wrapper ID has started N clients.
wait_launched() {
  local i lines
  for ((i = 0; i < 200; i++)); do
    lines=()
    [[ -f ${WRAP_DIR[$1]}/launched ]] && mapfile -t lines <"${WRAP_DIR[$1]}/launched"
    ((${#lines[@]} >= $2)) && return 0
    nap 0.01
  done
  return 1
}

run() { # ID BODY [SHELL]: start a wrapper and wait for it
  start_wrapper "$@"
  wait_wrapper "$1"
}

# nth_line FILE N: print line N of FILE (1-based) without starting a process.
nth_line() {
  local lines=()
  [[ -f $1 ]] && mapfile -t lines <"$1"
  (($2 >= 1 && $2 <= ${#lines[@]})) || return 1
  printf '%s\n' "${lines[$2 - 1]}"
}

launched_pid() { local l; l=$(nth_line "${WRAP_DIR[$1]}/launched" "$2") && printf '%s\n' "${l%%$'\t'*}"; }
launched_cmdline() { local l; l=$(nth_line "${WRAP_DIR[$1]}/launched" "$2") && printf '%s\n' "${l#*$'\t'}"; }

# invoked_path WORD: the path a shell hands to execve for command WORD (a
# bare name is looked up in the clients' PATH; a path is kept as written).
invoked_path() {
  if [[ $1 == */* ]]; then printf '%s\n' "$1"; else PATH=$IMDS_E2E_PATH type -P "$1"; fi
}

# lexical_path PATH CWD: PATH made absolute against CWD and normalised
# lexically ("." and empty components dropped, ".." removes the previous
# one), symlinks not resolved: a script's canonical process.executable.
lexical_path() {
  local p=$1 part out=() parts
  [[ $p == /* ]] || p=$2/$p
  IFS=/ read -r -a parts <<<"$p"
  for part in "${parts[@]}"; do
    case $part in
      '' | .) ;;
      ..) ((${#out[@]})) && unset 'out[${#out[@]}-1]' ;;
      *) out+=("$part") ;;
    esac
  done
  local IFS=/
  printf '/%s\n' "${out[*]}"
}

# SUB_LAUNCH: the function a client shell (bash or dash) defines to start a
# process of its own and record it for the harness (prelude: IMDS_E2E_S).
# shellcheck disable=SC2089
SUB_LAUNCH='sublaunch() { "$@" & printf "%s\t%s\t%s\n" "$!" "$$" "$*" >>"$IMDS_E2E_S/sub"; }'

# ref_lookup REF: sets REF_PID, REF_PPID, REF_CMDLINE (as recorded) and
# REF_PARENT_PATH0 (the path the parent was exec'd by) of a process known by
# construction. REF is WRAPPER:N, the Nth client that wrapper launched (its
# parent: the wrapper shell), or WRAPPER:sub:N, the Nth process recorded in
# that wrapper's sub file by one of its clients (its parent: that client).
ref_lookup() {
  local w=${1%%:*} rest=${1#*:} line pid ppid cl
  if [[ $rest == sub:* ]]; then
    line=$(nth_line "${WRAP_DIR[$w]}/sub" "${rest#sub:}") || { imds_log "no process $1"; return 1; }
    IFS=$'\t' read -r pid ppid cl <<<"$line"
    REF_PID=$pid REF_PPID=$ppid REF_CMDLINE=$cl REF_PARENT_PATH0=
    local lpid lcl
    while IFS=$'\t' read -r lpid lcl; do
      [[ $lpid == "$ppid" ]] && REF_PARENT_PATH0=$(invoked_path "${lcl%% *}")
    done <"${WRAP_DIR[$w]}/launched"
    [[ -n $REF_PARENT_PATH0 ]] || { imds_log "$1: parent $ppid is no client of wrapper $w"; return 1; }
  else
    line=$(nth_line "${WRAP_DIR[$w]}/launched" "$rest") || { imds_log "no process $1"; return 1; }
    REF_PID=${line%%$'\t'*} REF_CMDLINE=${line#*$'\t'}
    read -r REF_PPID <"${WRAP_DIR[$w]}/pid"
    REF_PARENT_PATH0=${WRAP_SHELL[$w]}
  fi
}

# claim_wrappers: for each wrapper, its pid and the pids it launched; for each
# client that recorded processes of its own (sub file), the same.
claim_wrappers() {
  local id kids pid ppid _cl
  local -A subkids
  for id in "${!WRAP_DIR[@]}"; do
    kids=''
    if [[ -f ${WRAP_DIR[$id]}/launched ]]; then
      while IFS=$'\t' read -r pid _cl; do kids+=${kids:+,}$pid; done <"${WRAP_DIR[$id]}/launched"
    fi
    claim wrapper "$(<"${WRAP_DIR[$id]}/pid"):$kids"
    [[ -f ${WRAP_DIR[$id]}/sub ]] || continue
    subkids=()
    while IFS=$'\t' read -r pid ppid _cl; do subkids[$ppid]+=${subkids[$ppid]:+,}$pid; done <"${WRAP_DIR[$id]}/sub"
    for ppid in "${!subkids[@]}"; do claim wrapper "$ppid:${subkids[$ppid]}"; done
  done
}

# claim_seq ALERT_IN EXEC_REF CONNECT_REF [options]: one candidate sequence.
#   EXEC_REF / CONNECT_REF: see ref_lookup (WRAPPER:N or WRAPPER:sub:N).
#   --cwd DIR       working directory of the exec (default /)
#   --path0 PATH    the path handed to execve (PATH item 0; default: the
#                   launched command's first word, looked up in PATH if bare)
#   --script LINE   the exec'd file is a script the harness wrote with "#!LINE"
#   --exe PATH      the kernel's exe= (default: the script's interpreter, or
#                   PATH0, resolved)
#   --cmdline TEXT  the exec's argument list joined by spaces (default: as launched)
#   --parent-script LINE   the parent is such a script (its path: how it was launched)
#   --parent-reexec EXE    the parent execs again (same pid, same parent) between
#                   the exec and the connect; EXE: that image's exe=
#   --ip IP --port PORT   connect destination (default 169.254.169.254:80)
#   --exit N        the connect's exit= (also picks that connect)
#   --connect-late  the connect's records must come after those of execs
#                   stamped later than it (a blocking connect)
#   --delay MIN MAX exec→connect bounds in ms (default 0 900)
#   --exec-index N  the Nth exec of that process (it re-execs itself)
# The claimed process.executable follows tests/data/README.md: a binary's
# exe=, a script's path (absolute, normalised), then the path as handed to
# execve when that was relative; the name is the first one's basename.
claim_seq() {
  local alert_in=$1 eref=$2 cref=$3; shift 3
  local cwd=/ exe='' path0='' script='' cmdline='' ip=$IMDS_IP port=80 dmin=0 dmax=900 index=''
  local pscript='' preexec='' cexit='' late=''
  while (($#)); do
    case $1 in
      --exec-index) index=$2; shift 2 ;;
      --cwd) cwd=$2; shift 2 ;;
      --path0) path0=$2; shift 2 ;;
      --script) script=$2; shift 2 ;;
      --exe) exe=$2; shift 2 ;;
      --cmdline) cmdline=$2; shift 2 ;;
      --parent-script) pscript=$2; shift 2 ;;
      --parent-reexec) preexec=$2; shift 2 ;;
      --ip) ip=$2; shift 2 ;;
      --port) port=$2; shift 2 ;;
      --exit) cexit=$2; shift 2 ;;
      --connect-late) late=1; shift ;;
      --delay) dmin=$2; dmax=$3; shift 3 ;;
      *) imds_log "claim_seq: bad option $1"; return 1 ;;
    esac
  done
  ref_lookup "$cref" || return 1
  local cpid=$REF_PID cppid=$REF_PPID
  ref_lookup "$eref" || return 1
  [[ -n $path0 ]] || path0=$(invoked_path "${REF_CMDLINE%% *}")
  if [[ -z $exe ]]; then
    if [[ -n $script ]]; then
      exe=$(readlink -f "${script%% *}")
    elif [[ $path0 == /* ]]; then
      exe=$(readlink -f "$path0")
    else
      exe=$(readlink -f "$cwd/$path0")
    fi
  fi
  local canonical=$exe
  [[ -n $script ]] && canonical=$(lexical_path "$path0" "$cwd")
  local ppath0=$REF_PARENT_PATH0 pexe pcanonical
  if [[ -n $pscript ]]; then
    pexe=$(readlink -f "${pscript%% *}")
    pcanonical=$(lexical_path "$ppath0" /)
  else
    pexe=$(readlink -f "$ppath0")
    pcanonical=$pexe
  fi
  {
    echo "[seq]"
    echo "alert_in=$alert_in"
    echo "exec.pid=$REF_PID"
    [[ -n $index ]] && echo "exec.index=$index"
    echo "exec.kernel_exe=$exe"
    echo "exec.path0=$path0"
    [[ -n $script ]] && echo "exec.script=$script"
    echo "exec.executable=$canonical"
    [[ $path0 != /* ]] && echo "exec.executable=$path0"
    echo "exec.name=${canonical##*/}"
    echo "exec.parent.pid=$REF_PPID"
    echo "exec.parent.kernel_exe=$pexe"
    echo "exec.parent.path0=$ppath0"
    [[ -n $pscript ]] && echo "exec.parent.script=$pscript"
    echo "exec.parent.executable=$pcanonical"
    [[ -n $preexec ]] && echo "exec.parent.reexec_exe=$preexec"
    echo "exec.working_directory=$cwd"
    echo "exec.command_line=${cmdline:-$REF_CMDLINE}"
    echo "connect.pid=$cpid"
    echo "connect.parent.pid=$cppid"
    echo "connect.destination.ip=$ip"
    echo "connect.destination.port=$port"
    [[ -n $cexit ]] && echo "connect.exit=$cexit"
    [[ -n $late ]] && echo "connect.late=1"
    echo "delay_ms.min=$dmin"
    echo "delay_ms.max=$dmax"
  } >>"$CLAIMS"
}

expect_alerts() { # V3 UPSTREAM DESCRIPTION...
  claim alerts_v3 "$1"
  claim alerts_upstream "$2"
  shift 2
  local d
  for d in "$@"; do claim description "$d"; done
}

# ------------------------------------------------------------------ scenarios
# Each scn_X records one capture. Unless said otherwise, clients run with
# working directory /, as children of /usr/bin/bash wrapper shells.

# A plain one-client positive: CMD... launched from one wrapper.
simple_positive() { # MODE V3 UP DESCRIPTION BODY
  local mode=$1 v3=$2 up=$3 desc=$4 body=$5
  capture_begin "$mode" || return 1
  run A "$body"
  capture_end
  claim_wrappers
  expect_alerts "$v3" "$up" "$desc"
  local alert_in=none
  ((v3 > 0 && up > 0)) && alert_in=v3,upstream
  ((v3 > 0 && up == 0)) && alert_in=v3
  ((v3 == 0 && up > 0)) && alert_in=upstream
  claim_seq "$alert_in" A:1 A:1
}

# curl/wget/python/perl/node/php/ruby/lua/socat/gawk/openssl/ncat: each
# process.name is in both rules' name lists (python3.11, php8.2, ruby3.1,
# lua5.4 through "python*", "php*", "ruby*", "lua*"), the executable is in
# /usr/bin (no exclusion), the parent is /usr/bin/bash (not excluded), none of
# them is /usr/bin/curl with a carved-out command line, and each connects
# within ~0.3 s: 1 alert for v3 and 1 for upstream.
scn_curl() {
  simple_positive enriched 1 1 "curl GETs the IMDS meta-data index." \
    'launch curl -s -m 5 http://169.254.169.254/latest/meta-data/'
}
scn_curl.raw() {
  simple_positive raw 1 1 "curl GETs the IMDS meta-data index (auditd log_format = RAW)." \
    'launch curl -s -m 5 http://169.254.169.254/latest/meta-data/'
}
scn_curl_node_name() {
  # node=imds-node-a on every record: host.id/host.name come from it.
  simple_positive node 1 1 "curl GETs the IMDS meta-data index; auditd name_format = user, name = imds-node-a." \
    'launch curl -s -m 5 http://169.254.169.254/latest/meta-data/'
}
scn_curl_narrowed_rules() {
  # The narrowed rule set from the comment in rules/audisp-imds.rules
  # (success=1 on exec, saddr_fam=2/10 on connect): the same alert, and the
  # checker proves no AF_UNIX connect was recorded.
  simple_positive narrowed 1 1 "curl GETs the IMDS meta-data index, recorded with the narrowed audit rules (saddr_fam, success=1)." \
    'launch curl -s -m 5 http://169.254.169.254/latest/meta-data/'
}
scn_wget() {
  simple_positive enriched 1 1 "wget GETs the IMDS meta-data index." \
    'launch wget -q -O - -T 5 -t 1 http://169.254.169.254/latest/meta-data/'
}
scn_python3_urllib() {
  # python3 is a symlink: exe=/usr/bin/python3.11, PATH name=/usr/bin/python3.
  # process.executable is exe= alone (an absolute spelling is never a second
  # value), process.name python3.11: "python*" in both rules.
  simple_positive enriched 1 1 "python3 urllib GETs the IMDS instance-id." \
    'launch python3 -c "import urllib.request; print(urllib.request.urlopen(\"http://169.254.169.254/latest/meta-data/instance-id\", timeout=5).read().decode())"'
}
scn_python3_ipv4_mapped_ipv6() {
  # An AF_INET6 socket connecting to ::ffff:169.254.169.254: SOCKADDR is
  # family 10; destination.ip must be given as 169.254.169.254.
  simple_positive enriched 1 1 "python3 connects an AF_INET6 socket to ::ffff:169.254.169.254 (IPv4-mapped)." \
    'launch python3 -c "import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s.settimeout(5); s.connect((\"::ffff:169.254.169.254\", 80)); s.sendall(b\"GET /latest/meta-data/ HTTP/1.0\r\n\r\n\"); print(s.recv(4096).decode())"'
}
scn_perl_io_socket() {
  simple_positive enriched 1 1 "perl IO::Socket::INET (with Timeout: non-blocking connect) GETs the meta-data index." \
    'launch perl -MIO::Socket::INET -e "\$s = IO::Socket::INET->new(PeerAddr => q(169.254.169.254), PeerPort => 80, Timeout => 5) or die qq(connect: \$@); print \$s qq(GET /latest/meta-data/ HTTP/1.0\r\n\r\n); print while <\$s>;"'
}
scn_node_http() {
  simple_positive enriched 1 1 "node http.get of the meta-data index." \
    'launch node -e "require(\"http\").get(\"http://169.254.169.254/latest/meta-data/\", r => r.pipe(process.stdout)).on(\"error\", e => { console.error(e.message); process.exit(1); })"'
}
scn_php_file_get_contents() {
  # /usr/bin/php -> /etc/alternatives/php -> /usr/bin/php8.2: process.executable
  # /usr/bin/php8.2 only, name php8.2 ("php*").
  simple_positive enriched 1 1 "php file_get_contents of the meta-data index." \
    'launch php -r "echo file_get_contents(\"http://169.254.169.254/latest/meta-data/\");"'
}
scn_ruby_net_http() {
  simple_positive enriched 1 1 "ruby Net::HTTP GET of the meta-data index." \
    'launch ruby -rnet/http -e "puts Net::HTTP.get(URI(\"http://169.254.169.254/latest/meta-data/\"))"'
}
scn_lua_socket_http() {
  simple_positive enriched 1 1 "lua5.4 with luasocket (socket.http) GETs the meta-data index." \
    'launch lua5.4 -e "local http = require(\"socket.http\"); http.TIMEOUT = 5; print(http.request(\"http://169.254.169.254/latest/meta-data/\"))"'
}
scn_socat() {
  simple_positive enriched 1 1 "socat sends a GET of the meta-data index." \
    "launch_in $WORK/http_request socat -t 3 - TCP:169.254.169.254:80"
}
scn_gawk_inet() {
  simple_positive enriched 1 1 "gawk /inet/tcp/0/169.254.169.254/80 special file." \
    'launch gawk "BEGIN { s = \"/inet/tcp/0/169.254.169.254/80\"; printf \"GET /latest/meta-data/ HTTP/1.0\r\n\r\n\" |& s; while ((s |& getline line) > 0) print line; close(s) }"'
}
scn_openssl_s_client() {
  # TLS to a plain HTTP port fails after the TCP connect; the connect is the signal.
  simple_positive enriched 1 1 "openssl s_client -connect 169.254.169.254:80 (the handshake fails; the connect happened)." \
    'launch openssl s_client -connect 169.254.169.254:80'
}
scn_ncat() {
  simple_positive enriched 1 1 "ncat sends a GET of the meta-data index." \
    "launch_in $WORK/http_request ncat -w 5 169.254.169.254 80"
}

# Copies of curl in world-writable places: process.name "x" is in no list,
# but process.executable matches "/tmp/*" resp. "/dev/shm/*" (and the
# relative invocation "./x", kept as a second value because it was
# relative, matches "./*"): stage A in both rules. The executable is not
# /usr/bin/curl, so no carve-out: 1 / 1.
scn_curl_copy_tmp() {
  imds_install_file /usr/bin/curl /tmp/x 0755 || return 1
  simple_positive enriched 1 1 "A copy of curl at /tmp/x GETs the meta-data index." \
    'launch /tmp/x -s -m 5 http://169.254.169.254/latest/meta-data/'
}
scn_curl_copy_dev_shm_relative() {
  imds_install_file /usr/bin/curl /dev/shm/x 0755 || return 1
  capture_begin enriched || return 1
  run A 'cd /dev/shm && launch ./x -s -m 5 http://169.254.169.254/latest/meta-data/'
  capture_end
  claim_wrappers
  expect_alerts 1 1 "A copy of curl at /dev/shm/x, run as ./x from /dev/shm, GETs the meta-data index."
  claim_seq v3,upstream A:1 A:1 --cwd /dev/shm
}

# A #!/bin/bash script in /tmp run directly, connecting with /dev/tcp: the
# kernel's exe= is /usr/bin/bash (the interpreter), the path handed to
# execve (PATH item 0) is /tmp/imds-test-script.sh, EXECVE is
# "/bin/bash /tmp/imds-test-script.sh". process.executable is the script,
# /tmp/imds-test-script.sh (name imds-test-script.sh), the interpreter
# /usr/bin/bash only in a non-ECS field.
# v3: the name is in no list and the command line has no IP; the executable
# matches "/tmp/*": stage A, 1 alert (an engine that reports the
# interpreter as the executable gets 0 here). upstream: "/tmp/*" as well
# (the name is not "bash" any more): 1.
script_tmp_devtcp() {
  local mode=$1 note=$2
  printf '%s\n' '#!/bin/bash' \
    'exec 3<>/dev/tcp/169.254.169.254/80' \
    'printf "GET /latest/meta-data/ HTTP/1.0\r\n\r\n" >&3' \
    'while IFS= read -r line <&3; do printf "%s\n" "$line"; done' >"$WORK/imds-test-script.sh"
  imds_install_file "$WORK/imds-test-script.sh" /tmp/imds-test-script.sh 0755 || return 1
  capture_begin "$mode" || return 1
  run A 'launch /tmp/imds-test-script.sh'
  capture_end
  claim_wrappers
  expect_alerts 1 1 "A #!/bin/bash script in /tmp, executed directly, reads the meta-data index through /dev/tcp.$note"
  claim_seq v3,upstream A:1 A:1 --script /bin/bash --cmdline "/bin/bash /tmp/imds-test-script.sh"
}
scn_script_tmp_devtcp() { script_tmp_devtcp enriched ""; }
scn_script_tmp_devtcp.raw() { script_tmp_devtcp raw " (auditd log_format = RAW)"; }

# A binary in no list, in no suspicious directory (a copy of curl at
# /usr/local/libexec/imds-test-fetch), with the IMDS URL on its command line.
# v3: "*169.254.169.254*" matches any such command line: 1.
# upstream: only the 13 endpoint patterns count: .../iam/security-credentials/
# matches one (1 alert); the bare .../latest/meta-data/ matches none (0).
scn_unlisted_binary_iam_url() {
  imds_install_file /usr/bin/curl /usr/local/libexec/imds-test-fetch 0755 || return 1
  simple_positive enriched 1 1 "An unlisted binary (/usr/local/libexec/imds-test-fetch, a curl copy) GETs iam/security-credentials/." \
    'launch /usr/local/libexec/imds-test-fetch -s -m 5 http://169.254.169.254/latest/meta-data/iam/security-credentials/'
}
scn_unlisted_binary_generic_url() {
  imds_install_file /usr/bin/curl /usr/local/libexec/imds-test-fetch 0755 || return 1
  simple_positive enriched 1 0 "An unlisted binary (/usr/local/libexec/imds-test-fetch) GETs the bare meta-data index: no upstream endpoint pattern matches." \
    'launch /usr/local/libexec/imds-test-fetch -s -m 5 http://169.254.169.254/latest/meta-data/'
}

# IMDSv2: curl PUTs for a token, then GETs with the token header, one after
# the other from the same shell. v3: two curl execs, each followed by its own
# connect within 1 s; the first connect completes (and removes) the first
# sequence before the second exec: 2 alerts.
# upstream, short options: the PUT's command line has "-X PUT ...
# 169.254.169.254/latest/api/token" and "X-aws-ec2-metadata-token-ttl-seconds",
# the GET has "-H X-aws-ec2-metadata-token: ... 169.254.169.254/latest/", both
# run /usr/bin/curl: both carved out, 0 alerts.
# upstream, long options (--request PUT, --header): neither carve-out pattern
# matches ("-X PUT" and "-H X-aws..." do not occur, even case-insensitively):
# 2 alerts.
imdsv2() {
  local mode=$1 put_opt=$2 hdr_opt=$3 v3=$4 up=$5 desc=$6 alert_in=$7
  capture_begin "$mode" || return 1
  run A "launch curl -s -m 5 $put_opt PUT http://169.254.169.254/latest/api/token $hdr_opt \"X-aws-ec2-metadata-token-ttl-seconds: 21600\" >\"\$S/token\"
read -r TOKEN <\"\$S/token\"
launch curl -s -m 5 $hdr_opt \"X-aws-ec2-metadata-token: \$TOKEN\" http://169.254.169.254/latest/meta-data/instance-id"
  capture_end
  claim_wrappers
  expect_alerts "$v3" "$up" "$desc"
  claim_seq "$alert_in" A:1 A:1
  claim_seq "$alert_in" A:2 A:2
}
scn_imdsv2_curl() {
  imdsv2 enriched -X -H 2 0 "IMDSv2: curl -X PUT token (ttl header), then curl -H token GET; upstream's curl carve-outs drop both." v3
}
scn_imdsv2_curl.raw() {
  imdsv2 raw -X -H 2 0 "IMDSv2 as in imdsv2_curl (auditd log_format = RAW)." v3
}
scn_imdsv2_curl_long_options() {
  imdsv2 enriched --request --header 2 2 "IMDSv2 with curl --request PUT / --header: upstream's carve-out patterns do not match." v3,upstream
}

# bash itself connects (/dev/tcp) with the address only in its environment:
# name "bash" is not in v3's list, /usr/bin/bash is no suspicious path and the
# command line has no 169.254.169.254: v3 0. upstream lists "bash": 1.
scn_bash_devtcp_env() {
  simple_positive enriched 0 1 "bash -c with /dev/tcp/\$IMDS_IP (address only in the environment): only upstream lists bash." \
    'launch bash -c "exec 3<>/dev/tcp/\$IMDS_IP/80; printf \"GET /latest/meta-data/ HTTP/1.0\r\n\r\n\" >&3; while IFS= read -r l <&3; do printf \"%s\n\" \"\$l\"; done"'
}

# A 32-bit client (tests/e2e/imds_i386_fetch.c, gcc -m32 -static) at
# /tmp/imds-i386-fetch: bash execs it (an x86_64 execve event); it connects
# through socketcall(SYS_CONNECT) (i386 syscall 102, a0=3), then execs itself
# (an i386 execve, syscall 11: same pid, same parent) and connects through the
# i386 connect syscall (362). Each exec matches "/tmp/*" (and its command line
# holds the address) in both rules, each is followed by its own connect within
# a few ms from the same process: 2 alerts in v3 and 2 in upstream; the
# second one's exec is the i386 one.
scn_i386_socketcall_exec_connect() {
  gcc -m32 -static -O2 -o "$WORK/imds_i386_fetch" "$IMDS_E2E_LIB_DIR/imds_i386_fetch.c" || return 1
  imds_install_file "$WORK/imds_i386_fetch" /tmp/imds-i386-fetch 0755 || return 1
  capture_begin enriched || return 1
  run A 'launch /tmp/imds-i386-fetch socketcall 169.254.169.254 connect'
  capture_end
  claim_wrappers
  expect_alerts 2 2 "A 32-bit /tmp binary connects via i386 socketcall, re-execs itself (i386 execve) and connects via i386 connect."
  claim_seq v3,upstream A:1 A:1 --exec-index 1
  claim_seq v3,upstream A:1 A:1 --exec-index 2 --cmdline "/tmp/imds-i386-fetch connect 169.254.169.254"
}

# ---- negatives
# curl to 169.254.169.253 (also on the namespace's lo; nothing listens: the
# connect is refused): stage A matches, but no connect has destination.ip
# 169.254.169.254: 0 / 0.
scn_neg_other_address() {
  capture_begin enriched || return 1
  run A 'launch curl -s -m 5 http://169.254.169.253/latest/meta-data/'
  capture_end
  claim_wrappers
  expect_alerts 0 0 "curl to 169.254.169.253 (connection refused): no connect to the IMDS address."
  claim_seq none A:1 A:1 --ip 169.254.169.253
}

# python3 sleeps 1.5 s between its exec and its connect: beyond v3's maxspan
# (1 s): 0; within upstream's 3 s: 1. Checked: 1100..2800 ms apart.
scn_neg_python3_delayed_1500ms() {
  capture_begin enriched || return 1
  run A 'launch python3 -c "import time, urllib.request; time.sleep(1.5); print(urllib.request.urlopen(\"http://169.254.169.254/latest/meta-data/\", timeout=5).read().decode())"'
  capture_end
  claim_wrappers
  expect_alerts 0 1 "python3 connects 1.5 s after its exec: beyond v3's maxspan=1s, within upstream's 3s."
  claim_seq upstream A:1 A:1 --delay 1100 2800
}

# Each exclusion kind, all shared by v3 and upstream: 0 / 0.
scn_neg_excluded_working_directory() {
  imds_mkdir_new /opt/rapid7-imds-test || return 1
  capture_begin enriched || return 1
  run A 'cd /opt/rapid7-imds-test && launch curl -s -m 5 http://169.254.169.254/latest/meta-data/'
  capture_end
  claim_wrappers
  expect_alerts 0 0 "curl run from /opt/rapid7-imds-test: excluded by process.working_directory \"/opt/rapid7*\"."
  claim_seq none A:1 A:1 --cwd /opt/rapid7-imds-test
}
scn_neg_excluded_executable() {
  imds_install_file /usr/bin/curl /opt/rumble/bin/rumble-agent-test 0755 || return 1
  capture_begin enriched || return 1
  run A 'launch /opt/rumble/bin/rumble-agent-test -s -m 5 http://169.254.169.254/latest/meta-data/'
  capture_end
  claim_wrappers
  expect_alerts 0 0 "A curl copy at /opt/rumble/bin/rumble-agent-test: excluded by process.executable \"/opt/rumble/bin/rumble-agent*\"."
  claim_seq none A:1 A:1
}
scn_neg_excluded_parent_executable() {
  imds_install_file /usr/bin/bash /usr/share/ec2-instance-connect/imds-test-parent 0755 || return 1
  capture_begin enriched || return 1
  run A 'launch curl -s -m 5 http://169.254.169.254/latest/meta-data/' /usr/share/ec2-instance-connect/imds-test-parent
  capture_end
  claim_wrappers
  expect_alerts 0 0 "curl whose parent shell is /usr/share/ec2-instance-connect/imds-test-parent (a bash copy): excluded by process.parent.executable."
  claim_seq none A:1 A:1
}

# Two wrapper shells A and B at once. A execs `perl -e "sleep 1"` (stage A
# for A's children; perl never connects). While it sleeps, B runs a bash copy
# (/usr/local/libexec/imds-test-devtcp: a name in no list, a path in no
# suspicious directory, the address only in its environment, so no stage A in
# either rule) that connects to 169.254.169.254. That connect comes within
# 0.9 s of perl's exec, but its parent is B, not A: the sequence is joined by
# process.parent.entity_id, so 0 / 0.
scn_neg_other_parent() {
  imds_install_file /usr/bin/bash /usr/local/libexec/imds-test-devtcp 0755 || return 1
  capture_begin enriched || return 1
  start_wrapper A 'launch perl -e "sleep 1"'
  wait_launched A 1 || imds_log "wrapper A did not launch perl"
  start_wrapper B 'launch /usr/local/libexec/imds-test-devtcp -c "exec 3<>/dev/tcp/\$IMDS_IP/80; printf \"GET /latest/meta-data/ HTTP/1.0\r\n\r\n\" >&3; while IFS= read -r l <&3; do printf \"%s\n\" \"\$l\"; done"'
  wait_wrapper B
  wait_wrapper A
  capture_end
  claim_wrappers
  expect_alerts 0 0 "Parent A execs perl (sleep 1) while parent B's unlisted bash copy connects to the IMDS: different parents, no sequence."
  claim_seq none A:1 B:1
}


# ---- fidelity: what the rule sees of scripts, spellings, late and failed connects

# Shell scripts that real distributions ship at paths both rules exclude as
# parents (Amazon Linux's names): /usr/sbin/dhclient-script and
# /usr/bin/setup-policy-routes (#!/bin/bash), /etc/update-motd.d/30-banner
# and /usr/share/ec2-instance-connect/eic_curl_authorized_keys (#!/bin/sh:
# on Debian /bin/sh -> dash, so exe=/usr/bin/dash). Each is written in place
# for the capture; the wrapper launches it and it runs curl to the IMDS as
# its child (recorded in the sub file). The script's exec: exe= is the
# interpreter, PATH item 0 the script, so process.executable is the script
# path; curl's process.parent.executable is that path, which v3 and upstream
# both exclude ("/usr/sbin/dhclient-script", "/usr/bin/setup-policy-routes",
# "/etc/update-motd.d/30-banner", "/usr/share/ec2-instance-connect/*"): curl
# is no stage-A event: 0 / 0. (An engine that takes the interpreter for the
# parent's executable sees /usr/bin/bash or /usr/bin/dash, excludes nothing,
# and alerts 1 / 1.) The script itself never connects; its own exec is a
# stage-A event only for 30-banner (executable "/etc/update-motd.d/*" in
# both rules; its name is no longer "bash"/"sh"), but no other child of the
# wrapper connects: no sequence.
script_parent() { # PATH SHEBANG
  local path=$1 shebang=$2 name=${1##*/}
  printf '%s\n' "#!$shebang" \
    "# Stands in for $path during an audisp-imds capture: curl to the IMDS, as a child." \
    "$SUB_LAUNCH" \
    'sublaunch curl -s -m 5 http://169.254.169.254/latest/meta-data/' \
    'wait "$!"' >"$WORK/$name"
  imds_install_file "$WORK/$name" "$path" 0755 || return 1
  capture_begin enriched || return 1
  run A "launch $path"
  capture_end
  claim_wrappers
  expect_alerts 0 0 "#!$shebang script $path (in place, as on Amazon Linux) runs curl to the IMDS: curl's parent executable is the script, excluded by both rules."
  claim_seq none A:sub:1 A:sub:1 --parent-script "$shebang"
}
scn_neg_script_parent_dhclient_script() { script_parent /usr/sbin/dhclient-script /bin/bash; }
scn_neg_script_parent_setup_policy_routes() { script_parent /usr/bin/setup-policy-routes /bin/bash; }
scn_neg_script_parent_update_motd_30_banner() { script_parent /etc/update-motd.d/30-banner /bin/sh; }
scn_neg_script_parent_eic_curl_authorized_keys() {
  script_parent /usr/share/ec2-instance-connect/eic_curl_authorized_keys /bin/sh
}

# A Python tool installed as a script, /usr/local/bin/imds-test-aws, reading
# the IMDS's iam/security-credentials/ with urllib.
# "#!/usr/bin/python3": one exec, exe=/usr/bin/python3.11 (the interpreter),
# PATH item 0 the script, EXECVE "/usr/bin/python3 /usr/local/bin/imds-test-aws".
# process.executable /usr/local/bin/imds-test-aws, name imds-test-aws: in no
# name list, no suspicious directory; the command line has no address. v3:
# no stage A, 0. upstream: neither "bash"/"sh" nor an endpoint pattern (the
# URL is inside the script, not on the command line): 0. (An engine that
# names the interpreter sees python3.11 and alerts 1 / 1.)
python_script_tool() { # SHEBANG
  printf '%s\n' "#!$1" \
    '# An audisp-imds capture test: a Python tool that reads the IMDS.' \
    'import urllib.request' \
    'print(urllib.request.urlopen("http://169.254.169.254/latest/meta-data/iam/security-credentials/", timeout=5).read().decode())' \
    >"$WORK/imds-test-aws"
  imds_install_file "$WORK/imds-test-aws" /usr/local/bin/imds-test-aws 0755 || return 1
  capture_begin enriched || return 1
  run A 'launch /usr/local/bin/imds-test-aws'
  capture_end
  claim_wrappers
}
scn_neg_python3_script_tool() {
  python_script_tool /usr/bin/python3 || return 1
  expect_alerts 0 0 "A #!/usr/bin/python3 tool, /usr/local/bin/imds-test-aws, reads iam/security-credentials/: process.name is the script's, no address on its command line."
  claim_seq none A:1 A:1 --script /usr/bin/python3 --cmdline "/usr/bin/python3 /usr/local/bin/imds-test-aws"
}
# "#!/usr/bin/env python3": two execs in one pid, same parent. #1: the
# script with interpreter /usr/bin/env (EXECVE "/usr/bin/env python3
# /usr/local/bin/imds-test-aws"): not stage A, as above. env then execs
# python3 through PATH (a failed execve of /usr/sbin/python3 first, ENOENT,
# then /usr/bin/python3): #2 is a plain binary exec, exe=/usr/bin/python3.11,
# name python3.11, EXECVE "python3 /usr/local/bin/imds-test-aws": stage A by
# "python*" in both rules, its own connect (same process, same parent) follows
# within ~0.1 s: 1 alert in v3 and 1 in upstream, for exec #2. seq2 records
# exec #1 (no rule alerts on it).
scn_python3_script_tool_env() {
  python_script_tool "/usr/bin/env python3" || return 1
  expect_alerts 1 1 "A #!/usr/bin/env python3 tool, /usr/local/bin/imds-test-aws: env then execs python3 in the same process, a plain python3.11 exec that connects."
  claim_seq v3,upstream A:1 A:1 --exec-index 2 --path0 /usr/bin/python3 --cmdline "python3 /usr/local/bin/imds-test-aws"
  claim_seq none A:1 A:1 --exec-index 1 --script "/usr/bin/env python3" \
    --cmdline "/usr/bin/env python3 /usr/local/bin/imds-test-aws"
}

# An absolute spelling through an excluded directory:
# /snap/oracle-cloud-agent/../../usr/bin/curl (the empty directory
# /snap/oracle-cloud-agent exists only for the capture: the kernel resolves
# ".." through it). exe=/usr/bin/curl; PATH item 0 is the spelling, which is
# never a second process.executable value: process.executable /usr/bin/curl.
# v3: name curl, not excluded ("/snap/oracle-cloud-agent/*" does not match
# /usr/bin/curl): 1 (an engine that keeps the spelling as a second value is
# excluded by it: 0). upstream: the same, and none of the /usr/bin/curl
# carve-outs matches "-s -m 5 http://169.254.169.254/latest/meta-data/": 1.
scn_curl_dotdot_excluded_spelling() {
  imds_mkdir_new /snap/oracle-cloud-agent || return 1
  simple_positive enriched 1 1 "curl run as /snap/oracle-cloud-agent/../../usr/bin/curl: the executable is /usr/bin/curl, not the excluded spelling." \
    'launch /snap/oracle-cloud-agent/../../usr/bin/curl -s -m 5 http://169.254.169.254/latest/meta-data/'
}

# A blocking connect that is stamped right after its exec but emitted ~3 s
# later, while other processes exec. Wrapper A runs in a second namespace
# (lib.sh: imds_ns_blackhole_up) where SYNs to 169.254.169.254:80 are dropped
# on its loopback and tcp_syn_retries is 1: python3's plain blocking
# connect_ex (no timeout) fails with ETIMEDOUT (exit=-110) after ~3 s. The
# kernel stamps the connect at syscall entry and emits it at exit, so the
# capture has it after ~30 /bin/true execs of wrapper B (one every ~0.1 s,
# in the first namespace) that are stamped later (checked:
# --connect-late). v3: python3.11 is stage A, the connect is stamped
# < 0.9 s after it (same process, same parent): 1 alert, judged by audit
# time, not arrival. upstream: the same within 3 s: 1. /bin/true is stage A
# in neither rule.
scn_python3_blocking_connect_late() {
  local ns2=imds-e2e-blk-$$
  imds_ns_blackhole_up "$ns2" || return 1
  capture_begin enriched || return 1
  start_wrapper B 'for ((i = 0; i < 45; i++)); do launch /bin/true; nap 0.1; done'
  wait_launched B 1 || imds_log "wrapper B did not launch /bin/true"
  start_wrapper A 'launch python3 -c "import socket; s = socket.socket(); print(s.connect_ex((\"169.254.169.254\", 80)))"' \
    /usr/bin/bash "$ns2"
  wait_wrapper A
  wait_wrapper B
  capture_end
  claim_wrappers
  expect_alerts 1 1 "python3's blocking connect to a black-holed 169.254.169.254 (ETIMEDOUT after ~3 s) arrives after later-stamped execs of another shell: judged by audit time, it is 1 sequence."
  claim_seq v3,upstream A:1 A:1 --exit -110 --connect-late
}

# Connect calls that are no connection attempt: the kernel audits the
# address (SOCKADDR) before it looks at the file descriptor or the protocol.
# python3 (stage A by "python*" in both rules; its command line also holds
# the address) calls libc connect() through ctypes with a sockaddr_in for
# 169.254.169.254:80 (family in host order, port and address in network
# order): on /dev/null's fd -> ENOTSOCK (exit=-88); on an AF_INET socket
# with an 8-byte address -> EINVAL (-22); on an AF_INET6 socket with the
# AF_INET address in 28 bytes -> EAFNOSUPPORT (-97). Each SOCKADDR decodes
# to 169.254.169.254:80, but none of them is a connection attempt: no
# network event, 0 / 0. (A closed fd gives EBADF before the address is
# read, an unreadable address EFAULT: no SOCKADDR, nothing to record.)
CTYPES_CONNECT='import ctypes, os, socket, struct; libc = ctypes.CDLL(None, use_errno=True); sa = struct.pack(\"=H\", socket.AF_INET) + struct.pack(\"!H\", 80) + socket.inet_aton(\"169.254.169.254\"); call = lambda fd, addr: print(libc.connect(fd, addr, len(addr)), os.strerror(ctypes.get_errno()))'
scn_neg_connect_enotsock() {
  capture_begin enriched || return 1
  run A "launch python3 -c \"$CTYPES_CONNECT; call(os.open(\\\"/dev/null\\\", os.O_RDONLY), sa + bytes(8))\""
  capture_end
  claim_wrappers
  expect_alerts 0 0 "python3 connect()s a regular file's fd to 169.254.169.254:80: ENOTSOCK, the SOCKADDR is recorded but it is no connection attempt."
  claim_seq none A:1 A:1 --exit -88
}
scn_neg_connect_einval_eafnosupport() {
  capture_begin enriched || return 1
  run A "launch python3 -c \"$CTYPES_CONNECT; s4 = socket.socket(socket.AF_INET); s6 = socket.socket(socket.AF_INET6); call(s4.fileno(), sa); call(s6.fileno(), sa + bytes(20))\""
  capture_end
  claim_wrappers
  expect_alerts 0 0 "python3 connect()s to 169.254.169.254:80 with an 8-byte address (EINVAL) and an AF_INET address on an AF_INET6 socket (EAFNOSUPPORT): no connection attempt."
  claim_seq none A:1 A:1 --exit -22
  claim_seq none A:1 A:1 --exit -97
}

# A container-entrypoint-like shell S (/usr/bin/bash -c, launched by the
# wrapper) starts python3 in the background (python sleeps 0.3 s, then GETs
# the meta-data index), busy-waits ~0.1 s with builtins only, then
# `exec sleep 1`: S re-execs (same pid, same parent) after python's exec and
# before python's connect (checked: exec(python) < exec(S, sleep) <
# connect(python)). The rule joins on process.parent.entity_id: S keeps its
# entity id across its re-exec (same parent pid), so python's exec (parent
# S as /usr/bin/bash, not excluded; name python3.11) and its connect ~0.3 s
# later share the key: 1 alert in v3 and 1 in upstream (python* in both;
# within 1 s and 3 s). An engine that gives S a new entity at its re-exec
# splits them: 0. S's own exec is stage A in both rules (the address on its
# command line; upstream also "bash") under the wrapper's key, where nothing
# connects; `sleep 1` is stage A in neither.
scn_python3_parent_reexec() {
  local body
  body="$SUB_LAUNCH; sublaunch python3 -c \"import time, urllib.request; time.sleep(0.3); urllib.request.urlopen(\\\"http://169.254.169.254/latest/meta-data/\\\", timeout=5).read()\"; "'e=$((${EPOCHREALTIME/./} + 100000)); while ((${EPOCHREALTIME/./} < e)); do :; done; exec sleep 1'
  capture_begin enriched || return 1
  run A "launch /usr/bin/bash -c $(printf '%q' "$body")"
  capture_end
  claim_wrappers
  expect_alerts 1 1 "Shell S backgrounds python3 (connects after 0.3 s) and re-execs itself (exec sleep 1) in between: S keeps its entity id, so python's exec and connect join."
  claim_seq v3,upstream A:sub:1 A:sub:1 --parent-reexec /usr/bin/sleep
}

# ------------------------------------------------------------------ driver
requirements() { # scenario -> commands it needs
  case $1 in
    curl*|imdsv2*|unlisted*|neg_other_address|neg_excluded*|neg_script_parent*) echo curl ;;
    wget) echo wget ;;
    python3*|neg_python3*|neg_connect*) echo /usr/bin/python3 ;;
    perl*|neg_other_parent) echo perl ;;
    node*) echo node ;;
    php*) echo php ;;
    ruby*) echo ruby ;;
    lua*) echo lua5.4 ;;
    socat) echo socat ;;
    gawk*) echo gawk ;;
    openssl*) echo openssl ;;
    ncat) echo ncat ;;
  esac
}

missing_requirement() {
  local c
  for c in $(requirements "$1"); do
    PATH=$IMDS_E2E_PATH command -v "$c" >/dev/null 2>&1 || { echo "$c not installed"; return 0; }
  done
  if [[ $1 == lua* ]] && ! lua5.4 -e 'require("socket.http")' >/dev/null 2>&1; then
    echo "luasocket for lua5.4 not installed (Debian: lua-socket)"
    return 0
  fi
  if [[ $1 == i386* ]]; then
    local probe
    probe=$(mktemp /tmp/imds-e2e-i386.XXXXXX) || return 0
    if ! printf 'int main(void){return 0;}\n' | gcc -m32 -static -x c -o "$probe" - >/dev/null 2>&1; then
      rm -f -- "$probe"
      echo "gcc -m32 -static cannot build (Debian: gcc-multilib)"
      return 0
    fi
    # A kernel without IA32 emulation (CONFIG_IA32_EMULATION, ia32_emulation=)
    # refuses the exec: nothing to audit.
    if ! "$probe" >/dev/null 2>&1; then
      rm -f -- "$probe"
      echo "this kernel cannot run 32-bit binaries (no IA32 emulation)"
      return 0
    fi
    rm -f -- "$probe"
  fi
  return 1
}

# The narrowed rule set, taken from the comment block of the shipped file so
