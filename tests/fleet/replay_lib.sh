# Shared set-up of the fleet replay tests (sourced, bash): paths, the built
# plugin, python3, a scratch directory removed on exit, and TAP helpers.
# Sets HERE (tests/fleet), SRC, BIN, DATA (tests/data), TMP; TAP from tests/tap.sh.
HERE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
SRC=${IMDS_SRCDIR:-$(cd "$HERE/../.." && pwd)}
BIN=${IMDS_BUILDDIR:-$SRC}/src/audisp-imds
DATA=$SRC/tests/data
[[ -x $BIN ]] || { echo "Bail out! $BIN not built"; exit 99; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
source "$SRC/tests/tap.sh"
