#!/bin/bash
# Command-line behaviour of the built program: replay output, exit codes,
# --check-config, error positions, SIGHUP reload, SIGTERM flush. TAP output.
set -u
SRC=${IMDS_SRCDIR:?}
BIN=${IMDS_BUILDDIR:?}/src/audisp-imds
DATA=$SRC/tests/data
UPSTREAM=$SRC/rules/upstream/credential_access_unusual_instance_metadata_service_api_request.toml
TMP=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; exec 9>&- 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
source "$SRC/tests/tap.sh"

# --- replay ---
out=$("$BIN" --input "$DATA/curl.log" --output stdout); rc=$?
check "replaying a positive capture exits 0" [ $rc -eq 0 ]
check "replaying a positive capture prints exactly one alert line" [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ]
ppid=$(sed -n 's/^exec.parent.pid=//p' "$DATA/curl.expect")
cpid=$(sed -n 's/^exec.pid=//p' "$DATA/curl.expect")
check "the alert names the rule, the curl process, its parent and the destination" \
  bash -c 'grep -q "\"rule\":{\"name\":\"Unusual Instance Metadata Service (IMDS) API Request\",\"id\":\"ecc0cd54-608e-11ef-ab6d-f661ea17fbce\",\"version\":\"3\"}" <<<"$1" &&
           grep -q "\"pid\":$2,\"name\":\"curl\",\"executable\":\"/usr/bin/curl\"" <<<"$1" &&
           grep -q "\"parent\":{\"pid\":$3," <<<"$1" &&
           grep -q "\"destination\":{\"ip\":\"169.254.169.254\",\"port\":80}" <<<"$1" &&
           grep -Eq "^\{\"@timestamp\":\"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\"" <<<"$1"' _ "$out" "$cpid" "$ppid"
check "the alert is valid JSON" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out"
out=$("$BIN" --input "$DATA/neg_other_address.log" --output stdout); rc=$?
check "replaying a negative capture prints nothing and exits 0" [ $rc -eq 0 -a -z "$out" ]
out=$("$BIN" --output stdout --replay < "$DATA/wget.log")
check "stdin with --replay works like --input" [ "$(printf '%s\n' "$out" | grep -c '"executable":"/usr/bin/wget"')" -eq 1 ]
"$BIN" --input "$DATA/curl.log" --output "$TMP/alerts.json" && "$BIN" --input "$DATA/wget.log" --output "$TMP/alerts.json"
check "--output FILE appends JSON lines" [ "$(wc -l < "$TMP/alerts.json")" -eq 2 ]
out=$("$BIN" --input "$DATA/neg_python3_delayed_1500ms.log" --output stdout --rule "$UPSTREAM")
check "--rule loads the upstream revision (3 s maxspan alerts where 1 s does not)" [ "$(printf '%s\n' "$out" | grep -c '"version":"2025/09/29"')" -eq 1 ]

# --- usage and check-config ---
"$BIN" --help > "$TMP/help"; rc=$?
check "--help exits 0 and lists --check-config" bash -c "[ $rc -eq 0 ] && grep -q -- --check-config '$TMP/help'"
check "--version prints the version" bash -c "'$BIN' --version | grep -Eq '^audisp-imds [0-9]+\.[0-9]+\.[0-9]+$'"
"$BIN" --no-such-option 2> "$TMP/err"; rc=$?
check "an unknown option exits 2 with a message" bash -c "[ $rc -eq 2 ] && grep -q 'no-such-option' '$TMP/err'"
"$BIN" --check-config > "$TMP/cc"; rc=$?
check "--check-config without arguments accepts the built-in rule" \
  bash -c "[ $rc -eq 0 ] && grep -q 'imds_v3.toml' '$TMP/cc' && grep -q 'configuration OK' '$TMP/cc'"
"$BIN" --check-config --rule "$UPSTREAM" > "$TMP/cc"; rc=$?
check "--check-config accepts the upstream revision" bash -c "[ $rc -eq 0 ] && grep -q 'maxspan' '$TMP/cc'"
"$BIN" --check-config --config "$SRC/etc/audisp-imds.toml" > /dev/null
check "--check-config accepts the shipped configuration file" [ $? -eq 0 ]
sed 's/process.name : (/process.name like~ (/' "$SRC/rules/imds_v3.toml" > "$TMP/bad_rule.toml"
line=$(grep -n 'like~' "$TMP/bad_rule.toml" | cut -d: -f1)
"$BIN" --check-config --rule "$TMP/bad_rule.toml" 2> "$TMP/err"; rc=$?
check "--check-config rejects an unsupported EQL construct with file:line:column" \
  bash -c "[ $rc -eq 1 ] && grep -Eq '^audisp-imds: $TMP/bad_rule.toml:$line:[0-9]+: ' '$TMP/err'"
sed 's/process.working_directory/process.hash.sha256/' "$SRC/rules/imds_v3.toml" > "$TMP/bad_field.toml"
"$BIN" --check-config --rule "$TMP/bad_field.toml" 2> "$TMP/err"; rc=$?
check "--check-config rejects a field the plugin cannot supply" \
  bash -c "[ $rc -eq 1 ] && grep -q 'process.hash.sha256' '$TMP/err'"
printf '[output]\nmode = "stdout"\n[syslog]\nidnet = "x"\n' > "$TMP/bad.toml"
"$BIN" --check-config --config "$TMP/bad.toml" 2> "$TMP/err"; rc=$?
check "a misspelt config key is rejected at its line" bash -c "[ $rc -eq 1 ] && grep -q 'bad.toml:4:1: unknown key \"syslog.idnet\"' '$TMP/err'"
"$BIN" --input /nonexistent/capture.log --output stdout 2> "$TMP/err"; rc=$?
check "an unreadable input is an error naming the file" bash -c "[ $rc -eq 1 ] && grep -q '/nonexistent/capture.log' '$TMP/err'"

# --- signals: SIGHUP reload (bad config keeps the old one), SIGTERM flush ---
mkfifo "$TMP/in"
printf '[output]\nmode = "file"\nfile = "%s"\n' "$TMP/live1.json" > "$TMP/live.toml"
"$BIN" --config "$TMP/live.toml" --input "$TMP/in" 2> "$TMP/live.err" &
pid=$!
exec 9> "$TMP/in"
# Cut the capture inside the connect event (before its SOCKADDR record): the
# alert cannot be complete before the rest arrives, after the reload.
cut=$(grep -b -m1 'A9FEA9FE' "$DATA/curl.log" | cut -d: -f1)
head -c "$cut" "$DATA/curl.log" >&9
sleep 0.3
printf '[output]\nmode = "file"\nfile = 7\n' > "$TMP/live.toml"
kill -HUP "$pid"; sleep 0.3
check "a broken config on SIGHUP is reported and the plugin keeps running" \
  bash -c "kill -0 $pid && grep -q 'reload failed, keeping the running configuration' '$TMP/live.err'"
printf '[output]\nmode = "file"\nfile = "%s"\n' "$TMP/live2.json" > "$TMP/live.toml"
kill -HUP "$pid"; sleep 0.3
tail -c +"$((cut + 1))" "$DATA/curl.log" >&9
sleep 0.3
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
exec 9>&-
check "SIGTERM exits 0" [ $rc -eq 0 ]
check "after a good SIGHUP the alert goes to the new output file" \
  bash -c "[ ! -s '$TMP/live1.json' ] && [ \$(grep -c 'ecc0cd54' '$TMP/live2.json') -eq 1 ]"

echo "1..$n"
[ "$failed" -eq 0 ]
