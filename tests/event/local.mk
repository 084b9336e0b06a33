check_PROGRAMS += tests/event/test_event
TESTS += tests/event/test_event
tests_event_test_event_SOURCES = \
	tests/event/exec_image_test.cpp \
	tests/event/field_test.cpp
tests_event_test_event_CPPFLAGS = $(TEST_CPPFLAGS)
tests_event_test_event_LDADD = src/event/libimds_event.a $(TEST_LIBS)
