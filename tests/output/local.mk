check_PROGRAMS += tests/output/test_output
TESTS += tests/output/test_output
tests_output_test_output_SOURCES = \
	tests/output/json_checker.h \
	tests/output/json_checker.cpp \
	tests/output/kv_parser.h \
	tests/output/kv_parser.cpp \
	tests/output/test_alerts.h \
	tests/output/test_alerts.cpp \
	tests/output/utf8_decoder.h \
	tests/output/escape_test.cpp \
	tests/output/alert_format_test.cpp \
	tests/output/stream_sink_test.cpp \
	tests/output/syslog_sink_test.cpp
tests_output_test_output_CPPFLAGS = $(TEST_CPPFLAGS)
tests_output_test_output_LDADD = src/output/libimds_output.a src/event/libimds_event.a $(TEST_LIBS)
