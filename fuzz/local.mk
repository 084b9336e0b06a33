# libFuzzer targets (see fuzz/README.md). Use a build directory of its own:
#
#   mkdir build-fuzz && cd build-fuzz
#   ../configure CC=clang CXX=clang++ --enable-fuzzing \
#       CXXFLAGS="-std=c++17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined"
#   make fuzz-smoke          # each target FUZZ_SMOKE_SECONDS (30), then the regressions
#   make fuzz                # each target FUZZ_SECONDS (300)
#   make fuzz-regressions    # every file under fuzz/regressions/TARGET/ once
#
# (-std=c++17: clang 14 defaults to C++14 and configure does not ask for 17.)
# The layer libraries are compiled with the configure CXXFLAGS, so only with
# the flags above are they instrumented for coverage and the sanitizers; the
# targets themselves always get their own flags and link with
# -fsanitize=fuzzer. Working corpora and crash artifacts go to
# fuzz/corpus/TARGET and fuzz/artifacts/TARGET in the build directory; the
# seeds (tests/data, rules, etc, fuzz/seeds and the shared real corpus) are
# only read.
#
# The targets are check_PROGRAMS: `make check` in this build directory links
# them (proving they build) without running them as tests.

FUZZ_TARGETS = fuzz_feed fuzz_rule fuzz_config
check_PROGRAMS += fuzz/fuzz_feed fuzz/fuzz_rule fuzz/fuzz_config

FUZZ_PREPROCESS = $(AM_CPPFLAGS) -I$(top_srcdir) -DIMDS_SOURCE_DIR=\"$(abs_top_srcdir)\"
FUZZ_COMPILE = $(AM_CXXFLAGS) -std=c++17 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LINK = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
# Independent strict parsers of the two alert formats (tests/output).
FUZZ_ORACLE_FILES = fuzz/alert_oracle.h fuzz/alert_oracle.cpp \
	tests/output/json_checker.h tests/output/json_checker.cpp \
	tests/output/kv_parser.h tests/output/kv_parser.cpp tests/output/utf8_decoder.h

fuzz_fuzz_feed_SOURCES = fuzz/fuzz_feed.cpp $(FUZZ_ORACLE_FILES)
fuzz_fuzz_feed_CPPFLAGS = $(FUZZ_PREPROCESS) $(AUPARSE_CFLAGS) $(TOMLPP_CFLAGS)
fuzz_fuzz_feed_CXXFLAGS = $(FUZZ_COMPILE)
fuzz_fuzz_feed_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_feed_LDADD = $(IMDS_LAYER_LIBS) $(IMDS_EXTERNAL_LIBS)

fuzz_fuzz_rule_SOURCES = fuzz/fuzz_rule.cpp $(FUZZ_ORACLE_FILES)
fuzz_fuzz_rule_CPPFLAGS = $(FUZZ_PREPROCESS) $(TOMLPP_CFLAGS)
fuzz_fuzz_rule_CXXFLAGS = $(FUZZ_COMPILE)
fuzz_fuzz_rule_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_rule_LDADD = src/output/libimds_output.a src/rule/libimds_rule.a src/event/libimds_event.a $(TOMLPP_LIBS)

fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.cpp
fuzz_fuzz_config_CPPFLAGS = $(FUZZ_PREPROCESS) $(TOMLPP_CFLAGS)
fuzz_fuzz_config_CXXFLAGS = $(FUZZ_COMPILE)
fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_config_LDADD = src/config/libimds_config.a src/output/libimds_output.a src/event/libimds_event.a \
	$(TOMLPP_LIBS)

EXTRA_DIST += fuzz/README.md fuzz/audit.dict fuzz/rule.dict fuzz/config.dict fuzz/seeds fuzz/regressions

# --- running (fuzz/run.sh does the work) -----------------------------------
FUZZ_SECONDS = 300
FUZZ_SMOKE_SECONDS = 30
# Extra libFuzzer flags, e.g. FUZZ_FLAGS='-jobs=2 -workers=2'.
FUZZ_FLAGS =
# Public audit logs kept beside the source tree (their own licenses: read in
# place, never copied). Skipped when absent.
FUZZ_REAL_CORPUS = $(abs_top_srcdir)/../shared/corpus/real
FUZZ_RUN = IMDS_SRCDIR='$(abs_top_srcdir)' IMDS_BUILDDIR='$(abs_top_builddir)' \
	FUZZ_CONFIGURED_CXXFLAGS='$(CXXFLAGS)' FUZZ_REAL_CORPUS='$(FUZZ_REAL_CORPUS)' \
	FUZZ_FLAGS='$(FUZZ_FLAGS)' $(SHELL) $(top_srcdir)/fuzz/run.sh
FUZZ_BINARIES = fuzz/fuzz_feed fuzz/fuzz_rule fuzz/fuzz_config
EXTRA_DIST += fuzz/run.sh fuzz/lsan.supp fuzz/structured_seeds.py

.PHONY: fuzz fuzz-smoke fuzz-regressions fuzz-clean
fuzz: $(FUZZ_BINARIES)
	$(FUZZ_RUN) run $(FUZZ_SECONDS) $(FUZZ_TARGETS)
# Any crash (or a regression input that fails again) fails the target.
fuzz-smoke: $(FUZZ_BINARIES)
	$(FUZZ_RUN) run $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
	$(FUZZ_RUN) regressions $(FUZZ_TARGETS)
fuzz-regressions: $(FUZZ_BINARIES)
	$(FUZZ_RUN) regressions $(FUZZ_TARGETS)
fuzz-clean:
	rm -rf fuzz/corpus fuzz/smoke-corpus fuzz/structured-seeds fuzz/artifacts fuzz/*.log

# The CI smoke run as an automake test (TAP, counted in the run's summary):
# each target FUZZ_SMOKE_SECONDS, then the kept crashers. Only the fuzz
# targets are built and run here, not the rest of the check programs.
EXTRA_DIST += fuzz/smoke_test.sh
.PHONY: check-fuzz-smoke
check-fuzz-smoke: $(FUZZ_BINARIES)
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='fuzz/smoke_test.sh' check_PROGRAMS='$(FUZZ_BINARIES)' XFAIL_TESTS= \
	  TESTS_ENVIRONMENT="FUZZ_SMOKE_SECONDS='$(FUZZ_SMOKE_SECONDS)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	  FUZZ_CONFIGURED_CXXFLAGS='$(CXXFLAGS)' FUZZ_REAL_CORPUS='$(FUZZ_REAL_CORPUS)' FUZZ_FLAGS='$(FUZZ_FLAGS)'"
