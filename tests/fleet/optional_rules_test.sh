#!/bin/bash
# The optional rule files (rules/optional/*.toml: Elastic's version-3 rule
# with another metadata address) and the IPv4-mapped form of the default
# address. Hand-made text captures (tests/fleet/data, written by
# make_capture.py), replayed: no network, no root. TAP; exit 0 = all passed.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail
# shellcheck source=tests/fleet/replay_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/replay_lib.sh"
OPT=$SRC/rules/optional
FDATA=$HERE/data

ELASTIC_ID=ecc0cd54-608e-11ef-ab6d-f661ea17fbce
# file  address  rule_id  positive capture(s)
RULES=(
  "imds_v3_aws_ipv6.toml fd00:ec2::254 5cf78d64-995e-49fe-9f9e-cdb63e936d6b aws_ipv6_curl"
  "imds_v3_oracle.toml 192.0.0.192 26e49405-b8d6-4af1-a1e5-a80f7d1c4c49 oracle_curl"
  "imds_v3_alibaba.toml 100.100.100.200 2baf45b3-416f-4d7f-9f90-7de27b04a558 alibaba_curl,alibaba_ipv4_mapped_ipv6"
)
CAPTURES=(aws_ipv6_curl aws_ipv6_other_address oracle_curl alibaba_curl alibaba_ipv4_mapped_ipv6 imds_ipv4_mapped_ipv6)

# alerts CAPTURE [--rule F]...: "rule.id destination.ip" per alert.
# Every replay must exit 0 and say nothing on stderr (a sanitizer report
# would): failures are collected in TMP/runs.bad and checked at the end.
alerts() {
  local cap=$1; shift
  replay "$FDATA/$cap.log" "$@" | cut -f3,9 | tr '\t' ' '
}
replay() { # CAPTURE [OPTIONS...]: alerts.py TSV
  local cap=$1; shift
  if ! "$BIN" --input "$cap" --output stdout "$@" >"$TMP/out.json" 2>"$TMP/err" || [[ -s $TMP/err ]]; then
    printf '%s %s: %s\n' "${cap##*/}" "$*" "$(head -c 300 "$TMP/err")" >>"$TMP/runs.bad"
  fi
  python3 "$HERE/alerts.py" "$TMP/out.json"
}

# --------------------------------------------------------- the rule files
check "rules/optional holds exactly the three derived rule files" \
  test "$(cd "$OPT" && ls -- *.toml | tr '\n' ' ')" == "imds_v3_alibaba.toml imds_v3_aws_ipv6.toml imds_v3_oracle.toml "
for spec in "${RULES[@]}"; do
  read -r file addr id _ <<<"$spec"
  f=$OPT/$file
  out=$("$BIN" --check-config --rule "$f" 2>&1)
  check "$file: --check-config accepts it, with rule id $id" \
    bash -c 'grep -q "configuration OK" <<<"$1" && grep -q "id: $2 " <<<"$1"' _ "$out" "$id"
  check "$file: its name says it is derived and names $addr" \
    bash -c 'grep -Eq "^name = \"Unusual Instance Metadata Service \(IMDS\) API Request \(.*$2; derived from Elastic rule v3\)\"$" "$1"' _ "$f" "$addr"
  check "$file: keeps the Elastic License 2.0 notice and the provenance comment" \
    bash -c 'grep -q "^# Copyright Elasticsearch B.V.; licensed under the Elastic License 2.0" "$1" &&
             grep -q "^# Derived from Elastic.s prebuilt rule" "$1" && grep -q "^license = \"Elastic License v2\"$" "$1"' _ "$f"
  # The query is Elastic's v3 query with the address replaced, nothing else.
  check "$file: its query is rules/imds_v3.toml's with 169.254.169.254 replaced by $addr (twice), nothing else" \
    python3 - "$SRC/rules/imds_v3.toml" "$f" "$addr" <<'PY'
import sys, tomllib
v3 = tomllib.load(open(sys.argv[1], "rb"))["rule"]["query"]
derived = tomllib.load(open(sys.argv[2], "rb"))["rule"]["query"]
sys.exit(not (v3.count("169.254.169.254") == 2 and derived == v3.replace("169.254.169.254", sys.argv[3])))
PY
done
ids=$(for f in "$OPT"/*.toml "$SRC/rules/imds_v3.toml"; do sed -n 's/^rule_id = "\(.*\)"$/\1/p' "$f"; done)
check "every rule_id is distinct (none reuses Elastic's $ELASTIC_ID)" \
  test "$(sort <<<"$ids" | uniq -d | grep -c .)" -eq 0 -a "$(grep -c "$ELASTIC_ID" <<<"$ids")" -eq 1
check "the optional rules are off by default: --check-config without options runs only the built-in rule" \
  bash -c '"$1" --check-config | grep -q "^rules: 1$"' _ "$BIN"

# -------------------------------------- each rule against each capture
# A rule alerts exactly on its own endpoint's positive captures, once, with
# its own rule id and destination; nothing else alerts on them.
for spec in "${RULES[@]}"; do
  read -r file addr id positives <<<"$spec"
  for cap in "${CAPTURES[@]}"; do
    got=$(alerts "$cap" --rule "$OPT/$file")
    if [[ ,$positives, == *,$cap,* ]]; then
      check "$file on $cap: one alert, rule $id, destination.ip $addr" test "$got" == "$id $addr"
    else
      check "$file on $cap: no alert" test -z "$got"
    fi
  done
done
for cap in "${CAPTURES[@]}"; do
  got=$(alerts "$cap")
  if [[ $cap == imds_ipv4_mapped_ipv6 ]]; then
    check "default rule on $cap (AF_INET6 ::ffff:169.254.169.254): one alert, destination.ip 169.254.169.254" \
      test "$got" == "$ELASTIC_ID 169.254.169.254"
  else
    check "default rule on $cap: no alert (another endpoint)" test -z "$got"
  fi
done
got=$(replay "$SRC/tests/data/python3_ipv4_mapped_ipv6.log" | cut -f3,9 | tr '\t' ' ')
check "default rule on the real capture tests/data/python3_ipv4_mapped_ipv6.log: the IPv4-mapped form alerts as 169.254.169.254" \
  test "$got" == "$ELASTIC_ID 169.254.169.254"

# ------------------------------------------- all together, by configuration
cat >"$TMP/all.toml" <<EOF
[rules]
directory = "$OPT"
builtin = true
EOF
check "[rules] directory = rules/optional plus builtin = true loads four rules" \
  bash -c '"$1" --check-config --config "$2" | grep -q "^rules: 4$"' _ "$BIN" "$TMP/all.toml"
expect_all=(
  "aws_ipv6_curl 5cf78d64-995e-49fe-9f9e-cdb63e936d6b fd00:ec2::254"
  "oracle_curl 26e49405-b8d6-4af1-a1e5-a80f7d1c4c49 192.0.0.192"
  "alibaba_curl 2baf45b3-416f-4d7f-9f90-7de27b04a558 100.100.100.200"
  "imds_ipv4_mapped_ipv6 $ELASTIC_ID 169.254.169.254"
)
for spec in "${expect_all[@]}"; do
  read -r cap id addr <<<"$spec"
  check "all four rules on $cap: exactly the one alert of its endpoint's rule" \
    test "$(alerts "$cap" --config "$TMP/all.toml")" == "$id $addr"
done
check "all four rules on aws_ipv6_other_address (fd00:ec2::253): no alert" \
  test -z "$(alerts aws_ipv6_other_address --config "$TMP/all.toml")"

# -------------------------------------------------- on two nodes at once
# The hand-made captures share pids, serials and times: as nodes A and B of
# one collector stream each alerts with its own rule and host.
python3 "$HERE/interleave.py" --stamps keep --pids keep A="$FDATA/aws_ipv6_curl.log" B="$FDATA/alibaba_curl.log" >"$TMP/ab.log"
got=$(replay "$TMP/ab.log" --config "$TMP/all.toml" | cut -f2,3,9 | tr '\t' ' ' | sort)
check "interleaved as node=A (AWS IPv6) and node=B (Alibaba) with equal pids and stamps: one alert each, right rule and host" \
  test "$got" == "A 5cf78d64-995e-49fe-9f9e-cdb63e936d6b fd00:ec2::254
B 2baf45b3-416f-4d7f-9f90-7de27b04a558 100.100.100.200"

# -------------------------------------------- the captures are what we say
check "the AF_INET6 SOCKADDR of aws_ipv6_curl is family 0a00, port 80, flowinfo 0, fd00:ec2::254, scope 0" \
  grep -q 'saddr=0A00005000000000FD000EC200000000000000000000025400000000$' "$FDATA/aws_ipv6_curl.log"
regen_ok=1
while read -r cap args; do
  eval "python3 \"\$HERE/make_capture.py\" $args" | cmp -s - "$FDATA/$cap.log" || regen_ok=0
done <<'EOF'
aws_ipv6_curl --url 'http://[fd00:ec2::254]/latest/meta-data/' --connect fd00:ec2::254
aws_ipv6_other_address --url 'http://[fd00:ec2::253]/latest/meta-data/' --connect fd00:ec2::253
oracle_curl --url 'http://192.0.0.192/opc/v2/instance/' --connect 192.0.0.192
alibaba_curl --url 'http://100.100.100.200/latest/meta-data/' --connect 100.100.100.200
alibaba_ipv4_mapped_ipv6 --url 'http://[::ffff:100.100.100.200]/latest/meta-data/' --connect 100.100.100.200 --family inet6
imds_ipv4_mapped_ipv6 --url 'http://[::ffff:169.254.169.254]/latest/meta-data/' --connect 169.254.169.254 --family inet6
EOF
check "every capture in tests/fleet/data is exactly what make_capture.py writes for it (data/README.md)" test "$regen_ok" -eq 1

check "every replay exited 0 and was silent on stderr" test ! -s "$TMP/runs.bad"
[[ -s $TMP/runs.bad ]] && sed 's/^/#   /' "$TMP/runs.bad"
finish
