# Process layer tests: /proc parsing on a fake tree, the process table with
# fake sources (pid reuse, LRU, parents, per-host, entry leaders, replay),
# the flat LRU map against a reference model.
check_PROGRAMS += tests/process/test_process
TESTS += tests/process/test_process
tests_process_test_process_SOURCES = \
	tests/process/lru_map_test.cpp \
	tests/process/proc_source_test.cpp \
	tests/process/process_table_test.cpp
tests_process_test_process_CPPFLAGS = $(TEST_CPPFLAGS)
tests_process_test_process_LDADD = src/process/libimds_process.a src/event/libimds_event.a $(TEST_LIBS)
