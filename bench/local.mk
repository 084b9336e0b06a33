# Benchmarks (docs/performance.md). Never built by `make all` nor run by
# `make check`: the programs are EXTRA_PROGRAMS, built only by these targets.
#
#   make bench         200k-event default mix through cat, a bare libauparse
#                      walk, Laurel (if installed) and audisp-imds, 5 runs each
#                      (medians); alert latency; 1M vs 10M events memory run
#   make bench-smoke   the same with 20k events, 1 run, 200k vs 1M memory run
#                      (< 1 minute; CI). Fails only on a wrong alert count.
# Extra options for bench/run_bench.py: make bench BENCH_ARGS="--events 50000 --keep"
EXTRA_PROGRAMS = bench/imds_loadgen bench/auparse_walk bench/imds_latency bench/bench_run

# The load generator: standalone, deterministic (seeded).
bench_imds_loadgen_SOURCES = bench/imds_loadgen.cpp

# The floor of any libauparse design: feed, callback, visit every field.
bench_auparse_walk_SOURCES = bench/auparse_walk.c
bench_auparse_walk_CPPFLAGS = $(AM_CPPFLAGS) $(AUPARSE_CFLAGS)
bench_auparse_walk_CFLAGS = -Wall -Wextra $(SANITIZER_FLAGS)
bench_auparse_walk_LDADD = $(AUPARSE_LIBS)

# Runs one program and records its wall time, CPU time and peak RSS.
bench_bench_run_SOURCES = bench/bench_run.c
bench_bench_run_CFLAGS = -Wall -Wextra $(SANITIZER_FLAGS)

# Alert latency, measured inside the plugin's own event path (layer libs).
bench_imds_latency_SOURCES = bench/imds_latency.cpp
bench_imds_latency_CPPFLAGS = $(AM_CPPFLAGS) $(AUPARSE_CFLAGS) $(TOMLPP_CFLAGS)
bench_imds_latency_LDADD = $(IMDS_LAYER_LIBS) $(IMDS_EXTERNAL_LIBS)

EXTRA_DIST += bench/run_bench.py bench/profile.sh docs/performance.md
CLEANFILES += $(EXTRA_PROGRAMS)

IMDS_BENCH_BINARIES = bench/imds_loadgen$(EXEEXT) bench/auparse_walk$(EXEEXT) bench/imds_latency$(EXEEXT) \
	bench/bench_run$(EXEEXT) src/audisp-imds$(EXEEXT)
IMDS_BENCH_PY = python3
BENCH_ARGS =

bench: $(IMDS_BENCH_BINARIES) imds-bench-force
	$(IMDS_BENCH_PY) $(srcdir)/bench/run_bench.py --builddir . $(BENCH_ARGS)

bench-smoke: $(IMDS_BENCH_BINARIES) imds-bench-force
	$(IMDS_BENCH_PY) $(srcdir)/bench/run_bench.py --builddir . --smoke $(BENCH_ARGS)

# perf (or callgrind) profile of audisp-imds on the default load: see bench/profile.sh.
bench-profile: $(IMDS_BENCH_BINARIES) imds-bench-force
	$(SHELL) $(srcdir)/bench/profile.sh .

# Always run, although the build tree has a directory named bench (a
# .PHONY line here would clash with the conditional ones of tests/).
imds-bench-force:
