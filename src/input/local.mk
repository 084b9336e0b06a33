# The input layer: stdin/file -> libauparse feed -> EcsEvents. Uses the audit
# layer (EventBuilder) and the event layer.
noinst_LIBRARIES += src/input/libimds_input.a
src_input_libimds_input_a_SOURCES = \
	src/input/audit_feed.h \
	src/input/audit_feed.cpp \
	src/input/event_assembler.h \
	src/input/event_assembler.cpp \
	src/input/line_assembler.h \
	src/input/record_filter.h \
	src/input/record_filter.cpp \
	src/input/read_loop.h \
	src/input/read_loop.cpp
src_input_libimds_input_a_CPPFLAGS = $(AM_CPPFLAGS) $(AUPARSE_CFLAGS)
