# Shared by the hardening tests (sourced, bash). They run the BUILT plugin on
# generated audit record text (tests/hardening/audit_records.py): pure text
# replays and unix sockets in a private temporary directory, never a network
# connection. TAP output; exit 0 pass, 1 fail, 77 skip.
set -u
SRC=${IMDS_SRCDIR:?IMDS_SRCDIR must name the source tree (make check sets it)}
BUILD=${IMDS_BUILDDIR:?IMDS_BUILDDIR must name the build tree (make check sets it)}
BIN=$BUILD/src/audisp-imds
HERE=$SRC/tests/hardening
RECORDS="python3 $HERE/audit_records.py"
CHECK="python3 $HERE/check_alerts.py"

source "$SRC/tests/tap.sh"
[ -x "$BIN" ] || skip_all "$BIN is not built"
command -v python3 > /dev/null || skip_all "python3 is needed to build the records"
command -v timeout > /dev/null || skip_all "timeout(1) is needed"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/imds-hardening.XXXXXX")
# Background processes this test started, ended by pid at exit.
BG_PIDS=""
cleanup() {
  for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
  for p in $BG_PIDS; do wait "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

diag() { sed 's/^/# /' "$@" >&2; }

# A sanitizer report or a death by signal in a log is a failure on its own.
no_sanitizer_report() { ! grep -Eq 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$1"; }

# Waits (up to $2 seconds, default 10) until file $1 exists.
wait_for_file() {
  local i=0 limit=$(( ${2:-10} * 10 ))
  while [ ! -e "$1" ] && [ $i -lt $limit ]; do sleep 0.1; i=$((i + 1)); done
  [ -e "$1" ]
}

# last_status FILE: the last "status ..." line the plugin logged to stderr.
last_status() { grep -a 'status events_read=' "$1" | tail -1; }
# status_field LINE NAME: the number after NAME= in a status line.
status_field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -1; }

# wait_for_handlers PID: waits (up to 10 s) until the plugin catches SIGUSR1,
# i.e. it has set itself up (capabilities dropped, handlers installed).
# Before that a SIGUSR1 would kill it, as it would any program.
wait_for_handlers() {
  local mask i=0
  while [ $i -lt 100 ]; do
    mask=$(sed -n 's/^SigCgt:\s*//p' "/proc/$1/status" 2>/dev/null)
    [ -n "$mask" ] && (( (16#$mask >> 9) & 1 )) && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# paused_writer LAG PAUSE WHERE: writes one exec + IMDS connect pair to
# stdout, timestamped LAG seconds before now (taken right before writing),
# with PAUSE seconds of silence at WHERE: mid-line (12 bytes into the
# SOCKADDR value) or between-records (just before the SOCKADDR record).
paused_writer() {
  python3 - "$HERE" "$@" <<'PY'
import os, sys, time
sys.path.insert(0, sys.argv[1])
import audit_records
lag, pause, where = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
data = audit_records.scenario("imds", time.time() - lag, 1000)
if where == "mid-line":
    cut = data.index(b"saddr=") + 12
else:
    cut = data.index(b"type=SOCKADDR")
os.write(1, data[:cut])
time.sleep(pause)
os.write(1, data[cut:])
PY
}
