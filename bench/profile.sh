#!/bin/sh
# Profiles audisp-imds on the benchmark's default load (docs/performance.md).
#
#   sh bench/profile.sh BUILDDIR [EVENTS] [OUTDIR]      (or: make bench-profile)
#
# Links a copy of the plugin against the *static* libauparse/libaudit
# (libauparse-dev ships them with their local symbols), so that the profile
# names libauparse's internal functions instead of bare addresses, then
# records it with perf (DWARF call graphs) or, when perf cannot run here,
# with valgrind's callgrind on a tenth of the load. Reports go to OUTDIR
# (BUILDDIR/bench-profile): self.txt (self cost per function), children.txt
# (cost including callees), or callgrind.txt.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILDDIR [EVENTS] [OUTDIR]" >&2; exit 2; }
b=$(cd "$1" && pwd)
events=${2:-200000}
out=${3:-$b/bench-profile}
mkdir -p "$out"
chmod 700 "$out"

main_obj=$b/src/audisp_imds-main.o
[ -f "$main_obj" ] || { echo "$0: $main_obj missing: build src/audisp-imds first" >&2; exit 1; }
libs=
for layer in app config output input process audit rule event; do
  libs="$libs $b/src/$layer/libimds_$layer.a"
done
# shellcheck disable=SC2086
${CXX:-g++} -o "$out/audisp-imds-prof" "$main_obj" $libs -l:libauparse.a -l:libaudit.a \
  -ltomlplusplus -lboost_program_options -lcap-ng

cat > "$out/imds.toml" <<'EOF'
[output]
mode = "stdout"
[limits]
alerts_per_window = 0
[host]
id = "imds-bench"
name = "imds-bench"
EOF
chmod 600 "$out/imds.toml"

if perf record -q -o "$out/perf.probe" true > /dev/null 2>&1; then
  rm -f "$out/perf.probe"
  "$b/bench/imds_loadgen" --events "$events" > "$out/load.log"
  perf record -q -F 4000 -g --call-graph dwarf,16384 -o "$out/perf.data" \
    "$out/audisp-imds-prof" --config "$out/imds.toml" --replay --input - < "$out/load.log" > /dev/null
  perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.5 \
    > "$out/self.txt" 2> /dev/null
  perf report -i "$out/perf.data" --children --sort symbol --stdio -g none --percent-limit 2 \
    > "$out/children.txt" 2> /dev/null
  rm -f "$out/load.log"
  echo "perf reports: $out/self.txt $out/children.txt (data: $out/perf.data)"
  grep '%' "$out/self.txt" | head -25
elif command -v valgrind > /dev/null 2>&1; then
  "$b/bench/imds_loadgen" --events $((events / 10)) > "$out/load.log"
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
    "$out/audisp-imds-prof" --config "$out/imds.toml" --replay --input - < "$out/load.log" > /dev/null
  callgrind_annotate --inclusive=no "$out/callgrind.out" > "$out/callgrind.txt"
  rm -f "$out/load.log"
  echo "callgrind report: $out/callgrind.txt"
  head -40 "$out/callgrind.txt"
else
  echo "$0: neither perf nor valgrind can run here" >&2
  exit 1
fi
