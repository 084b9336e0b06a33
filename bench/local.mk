# Benchmarks (docs/performance.md). Never built by `make all` nor run by
# `make check`: the programs are EXTRA_PROGRAMS, built only by these targets.
#
#   make bench         200k-event default mix through cat, a bare libauparse
#                      walk, Laurel (if installed) and audisp-imds, 5 runs each
#                      (medians); alert latency; 1M vs 10M events memory run
#   make bench-smoke   the same with 20k events, 1 run, 200k vs 1M memory run
#                      (< 1 minute; CI). Fails only on a wrong alert count.
#   make bench-live    the plugin under a real auditd and real load (root, kernel
#                      audit): 3 load levels x no auditing / auditd alone /
#                      audisp-imds / Laurel, 30 s each (~10 min); prints the table
#   make bench-live-smoke  1000 exec/s + 5000 connect/s, audisp-imds, 20 s (CI):
#                      fails on a plugin-queue overflow or an IMDS probe without
#                      its alert; "SKIPPED: why" (and success) without kernel audit
# Extra options for bench/run_bench.py: make bench BENCH_ARGS="--events 50000 --keep"
# and for bench/live/bench_live.sh: make bench-live BENCH_LIVE_ARGS="--levels storm --keep"
EXTRA_PROGRAMS = bench/imds_loadgen bench/auparse_walk bench/imds_latency bench/bench_run \
	bench/live/imds_livegen

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

# The live benchmark's workload: fork+exec of /bin/true and refused
# non-blocking connects to 127.0.0.1, at given rates, timing connect().
bench_live_imds_livegen_SOURCES = bench/live/imds_livegen.c
bench_live_imds_livegen_CFLAGS = -Wall -Wextra $(SANITIZER_FLAGS)

EXTRA_DIST += bench/run_bench.py bench/profile.sh docs/performance.md \
	bench/live/bench_live.sh bench/live/live_report.py
CLEANFILES += $(EXTRA_PROGRAMS)

IMDS_BENCH_BINARIES = bench/imds_loadgen$(EXEEXT) bench/auparse_walk$(EXEEXT) bench/imds_latency$(EXEEXT) \
	bench/bench_run$(EXEEXT) src/audisp-imds$(EXEEXT)
IMDS_BENCH_PY = python3
BENCH_ARGS =

bench: $(IMDS_BENCH_BINARIES) imds-bench-force
	$(IMDS_BENCH_PY) $(srcdir)/bench/run_bench.py --builddir . $(BENCH_ARGS)

bench-smoke: $(IMDS_BENCH_BINARIES) imds-bench-force
	$(IMDS_BENCH_PY) $(srcdir)/bench/run_bench.py --builddir . --smoke $(BENCH_ARGS)

# Live: real auditd, real load, probes through a namespaced fake IMDS
# (bench/live/bench_live.sh; needs root). Exit status 77 (no kernel audit,
# not root, another auditd running) is reported and counted as a success.
BENCH_LIVE_ARGS =
IMDS_BENCH_LIVE_BINARIES = bench/live/imds_livegen$(EXEEXT) src/audisp-imds$(EXEEXT)
bench-live: $(IMDS_BENCH_LIVE_BINARIES) imds-bench-force
	@$(SHELL) $(srcdir)/bench/live/bench_live.sh --builddir . $(BENCH_LIVE_ARGS); rc=$$?; \
	  test $$rc -eq 77 && exit 0; exit $$rc
bench-live-smoke: $(IMDS_BENCH_LIVE_BINARIES) imds-bench-force
	@$(SHELL) $(srcdir)/bench/live/bench_live.sh --builddir . --smoke $(BENCH_LIVE_ARGS); rc=$$?; \
	  test $$rc -eq 77 && exit 0; exit $$rc

# perf (or callgrind) profile of audisp-imds on the default load: see bench/profile.sh.
bench-profile: $(IMDS_BENCH_BINARIES) imds-bench-force
	$(SHELL) $(srcdir)/bench/profile.sh .

# Always run, although the build tree has a directory named bench (a
# .PHONY line here would clash with the conditional ones of tests/).
imds-bench-force:
