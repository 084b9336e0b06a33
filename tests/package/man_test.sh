#!/bin/bash
# The manual pages: `mandoc -T lint -W all` and `man --warnings -l` report
# nothing, and audisp-imds.toml(5) documents every key of the shipped
# etc/audisp-imds.toml in its own [section], with the default shown there
# (the shipped file's commented-out values are the defaults). Part of
# `make check`; a check whose tool is missing is skipped. TAP.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${IMDS_SRCDIR:-$(cd "$HERE/../.." && pwd)}
PAGES=("$SRC/man/audisp-imds.8" "$SRC/man/audisp-imds.toml.5")
source "$HERE/../tap.sh"

for page in "${PAGES[@]}"; do
  name=$(basename "$page")
  if command -v mandoc >/dev/null; then
    out=$(mandoc -T lint -W all "$page" 2>&1)
    if [[ -z $out ]]; then ok "mandoc -T lint -W all: $name is clean"; else not_ok "mandoc -T lint -W all: $name is clean" "$out"; fi
  else
    skip "mandoc -T lint -W all: $name is clean" "mandoc not installed"
  fi
  if command -v man >/dev/null; then
    out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    if [[ -z $out ]]; then ok "man --warnings -l: $name renders without a warning"; else not_ok "man --warnings -l: $name renders without a warning" "$out"; fi
  else
    skip "man --warnings -l: $name renders without a warning" "man not installed"
  fi
done

# section key value, one per commented-out "#key = value" of the shipped file.
shipped_keys() {
  awk '/^\[[a-z]+\]$/ { section = substr($0, 2, length($0) - 2); next }
       /^#[a-z_]+ = / { key = substr($1, 2); value = $0; sub(/^[^=]*= /, "", value); print section "\t" key "\t" value }' \
    "$SRC/etc/audisp-imds.toml"
}
# The .BR line documenting KEY inside ".SS [SECTION]" of audisp-imds.toml.5.
man_entry() {
  awk -v section="[$1]" -v key="$2" '
    /^\.SS / { in_section = ($2 == section); next }
    /^\.SH / { in_section = 0 }
    in_section && $1 == ".BR" && $2 == key { print; exit }' "$SRC/man/audisp-imds.toml.5"
}
count=0
while IFS=$'\t' read -r section key value; do
  count=$((count + 1))
  entry=$(man_entry "$section" "$key")
  what="audisp-imds.toml(5) documents [$section] $key"
  if [[ -z $entry ]]; then not_ok "$what" "no '.BR $key' under '.SS [$section]'"; continue; fi
  # Integer and quoted-word defaults must be stated; paths and arrays are examples.
  case $value in
    [0-9]*) want="default $value" ;;
    \"[a-z]*\") want="default ${value//\"/}" ;;
    *) want= ;;
  esac
  if [[ -n $want && $entry != *"$want"* && $entry != *"default \\(dq${value//\"/}\\(dq"* && $entry != *"default \"${value//\"/}\""* ]]; then
    not_ok "$what with its default ($want)" "$entry"
  else
    ok "$what${want:+ with its default ($want)}"
  fi
done < <(shipped_keys)
((count > 10)) && ok "etc/audisp-imds.toml lists $count keys" || not_ok "etc/audisp-imds.toml lists more than 10 keys" "found $count"
echo "1..$n"
exit $((failed > 0))
