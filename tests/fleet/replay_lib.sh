# Shared set-up of the fleet replay tests (sourced, bash): paths, the built
# plugin, python3, a scratch directory removed on exit, and TAP helpers.
# Sets HERE (tests/fleet), SRC, BIN, DATA (tests/data), TMP, n and failed.
HERE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
SRC=${IMDS_SRCDIR:-$(cd "$HERE/../.." && pwd)}
BIN=${IMDS_BUILDDIR:-$SRC}/src/audisp-imds
DATA=$SRC/tests/data
[[ -x $BIN ]] || { echo "Bail out! $BIN not built"; exit 99; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# not_ok DESCRIPTION [DETAIL...]: each detail as a TAP comment line.
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; local l; for l in "$@"; do echo "#   $l"; done; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
# finish: the plan, and exit 0 only when every check passed.
finish() { echo "1..$n"; exit $((failed > 0)); }
