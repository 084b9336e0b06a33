#!/bin/sh
# Runs the libFuzzer targets for `make fuzz`, `make fuzz-smoke` and
# `make fuzz-regressions` (fuzz/local.mk sets the environment):
#
#   run.sh run SECONDS TARGET...     fuzz each target for SECONDS
#   run.sh regressions TARGET...     run every file of fuzz/regressions/TARGET/ once
#
# Exit status: 0 when nothing crashed, 1 otherwise. Everything written
# (corpora, artifacts, logs) stays under $IMDS_BUILDDIR/fuzz.
#
# FUZZ_SEED=N runs libFuzzer with -seed=N (default: a random seed, printed).
# FUZZ_CORPUS_ROOT (default $IMDS_BUILDDIR/fuzz/corpus) holds the working
# corpora; FUZZ_FRESH_CORPUS=1 empties TARGET's before the run, so that a
# seeded run starts from the seeds alone and can be repeated (smoke_test.sh).
# FUZZ_STRUCTURED_SEEDS (default 300) streams made from the captures by
# fuzz/structured_seeds.py (interleaved events, moved times, lost EOEs,
# several nodes) join fuzz_feed's seeds, made with FUZZ_SEED (or a random
# seed) in $IMDS_BUILDDIR/fuzz/structured-seeds.
set -u
src=${IMDS_SRCDIR:?}
# The sanitizers' options below name files by absolute path.
src=$(cd "$src" && pwd)
build=${IMDS_BUILDDIR:?}
real=${FUZZ_REAL_CORPUS:-}
mode=${1:?usage: run.sh run SECONDS TARGET... | run.sh regressions TARGET...}
shift

# UBSan in the layer libraries is recoverable (the configure CXXFLAGS):
# make every report fatal so that libFuzzer keeps the input.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/fuzz/lsan.supp:print_suppressions=0}
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

if [ "$(cd "$build" && pwd -P)" = "$(cd "$src" && pwd -P)" ]; then
  echo "fuzz: use a separate build directory: corpora are written to the build tree" >&2
  exit 1
fi
case " ${FUZZ_CONFIGURED_CXXFLAGS:-} " in
  *fuzzer-no-link*) ;;
  *) echo "fuzz: warning: configure CXXFLAGS lacks -fsanitize=fuzzer-no-link,address,undefined," \
          "so the layer libraries are neither coverage-guided nor sanitized (see fuzz/local.mk)" >&2 ;;
esac

seeds_of() {
  case $1 in
    fuzz_feed)
      echo "$src/tests/data $src/fuzz/seeds/feed"
      [ -d "$build/fuzz/structured-seeds" ] && echo "$build/fuzz/structured-seeds"
      [ -n "$real" ] && [ -d "$real" ] && echo "$real" ;;
    fuzz_rule) echo "$src/rules $src/fuzz/seeds/rule" ;;
    fuzz_config) echo "$src/etc $src/fuzz/seeds/config" ;;
  esac
}
args_of() {
  case $1 in
    # Captures are 17-32 KB; the longest real logs are cut to this on load.
    fuzz_feed) echo "-dict=$src/fuzz/audit.dict -max_len=65536" ;;
    fuzz_rule) echo "-dict=$src/fuzz/rule.dict -max_len=32768" ;;
    fuzz_config) echo "-dict=$src/fuzz/config.dict -max_len=4096" ;;
  esac
}

status=0
case $mode in
  run)
    seconds=${1:?seconds}
    shift
    for t in "$@"; do
      bin=$build/fuzz/$t
      corpus=${FUZZ_CORPUS_ROOT:-$build/fuzz/corpus}/$t
      artifacts=$build/fuzz/artifacts/$t
      log=$build/fuzz/$t.log
      [ "${FUZZ_FRESH_CORPUS:-0}" = 1 ] && rm -rf "$corpus"
      mkdir -p "$corpus" "$artifacts" || exit 1
      seed_flag=
      [ -n "${FUZZ_SEED:-}" ] && seed_flag=-seed=$FUZZ_SEED
      if [ "$t" = fuzz_feed ]; then
        rm -rf "$build/fuzz/structured-seeds"
        count=${FUZZ_STRUCTURED_SEEDS:-300}
        if [ "$count" -gt 0 ] && command -v python3 > /dev/null; then
          structured_seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
          python3 "$src/fuzz/structured_seeds.py" "$build/fuzz/structured-seeds" "$structured_seed" "$count" \
            "$src"/tests/data/*.log "$src"/tests/audit/data/*.txt || exit 1
          echo "fuzz: $count structured streams (fuzz/structured_seeds.py, seed $structured_seed) among the seeds"
        fi
      fi
      echo "fuzz: $t for ${seconds}s ${seed_flag:-(random seed)} (corpus $corpus, log $log)"
      # shellcheck disable=SC2046,SC2086
      "$bin" $(args_of "$t") -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" $seed_flag ${FUZZ_FLAGS:-} \
        "$corpus" $(seeds_of "$t") > "$log" 2>&1
      rc=$?
      grep -E '^INFO: Seed: ' "$log" | head -1
      grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1
      grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log"
      if [ $rc -ne 0 ]; then
        echo "fuzz: $t FAILED (exit $rc); input in $artifacts/, log $log" >&2
        # The report: from the oracle's or sanitizer's first line (with the
        # stack) to where libFuzzer wrote the input, without its progress lines.
        sed -n '/ERROR: \|alert oracle\|^fuzz_[a-z]*: /,$p' "$log" | grep -v '^#[0-9]' | head -60 >&2
        status=1
      fi
    done ;;
  regressions)
    for t in "$@"; do
      dir=$src/fuzz/regressions/$t
      [ -d "$dir" ] || continue
      files=$(find "$dir" -type f ! -name 'README*' | sort)
      [ -n "$files" ] || continue
      count=$(printf '%s\n' "$files" | wc -l)
      log=$build/fuzz/$t.regressions.log
      # Files as arguments: libFuzzer runs each once and stops at the first failure.
      # shellcheck disable=SC2086
      if "$build/fuzz/$t" $files > "$log" 2>&1; then
        echo "fuzz-regressions: $t: $count input(s) pass"
      else
        echo "fuzz-regressions: $t FAILED; log $log" >&2
        grep -E 'Running: |ERROR: |SUMMARY: |alert oracle|^fuzz_[a-z]+: ' "$log" | tail -4 >&2
        status=1
      fi
    done ;;
  *)
    echo "run.sh: unknown mode $mode" >&2
    exit 2 ;;
esac
exit $status
