# Input layer tests: the auparse feed (chunking, EOE/aging/flush release,
# line limit, counters) and the read loop (pipes, files, idle aging, stop,
# wake fd, EINTR, errors). Data: tests/audit/data.
check_PROGRAMS += tests/input/test_input
TESTS += tests/input/test_input
tests_input_test_input_SOURCES = \
	tests/input/audit_feed_test.cpp \
	tests/input/read_loop_test.cpp \
	tests/input/record_filter_test.cpp
tests_input_test_input_CPPFLAGS = $(TEST_CPPFLAGS) $(AUPARSE_CFLAGS)
# auparse_feed is wrapped so that tests can see the bytes libauparse gets
# (audit_feed_test.cpp: the enriched suffix never reaches it).
tests_input_test_input_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=auparse_feed
tests_input_test_input_LDADD = src/input/libimds_input.a src/audit/libimds_audit.a \
	src/event/libimds_event.a $(AUPARSE_LIBS) $(TEST_LIBS)
