# The collector benchmark (docs/fleet.md): many nodes interleaved, one plugin.
# Include from Makefile.am after bench/local.mk:
#   include bench/collector/local.mk
#
#   make bench-collector                          # 50 and 500 nodes, 400k events each (~1.5 min)
#   make bench-collector BENCH_COLLECTOR_ARGS="--nodes 50,500,2000 --json out.json --keep"
# Needs python3 and bench/bench_run (an EXTRA_PROGRAM of bench/local.mk).
EXTRA_DIST += bench/collector/fleet_gen.py bench/collector/run_collector_bench.py
BENCH_COLLECTOR_ARGS =

bench-collector: src/audisp-imds$(EXEEXT) bench/bench_run$(EXEEXT) imds-bench-force
	python3 $(srcdir)/bench/collector/run_collector_bench.py --builddir . $(BENCH_COLLECTOR_ARGS)
# The short version CI runs (run-tests): 10 and 50 nodes, 40k events, one run.
# Like bench-smoke it reports speed and memory; it fails only on a wrong alert
# count with an ample table, or when the plugin fails.
bench-collector-smoke: src/audisp-imds$(EXEEXT) bench/bench_run$(EXEEXT) imds-bench-force
	python3 $(srcdir)/bench/collector/run_collector_bench.py --builddir . --nodes 10,50 --events 40000 --runs 1 \
	  $(BENCH_COLLECTOR_ARGS)
