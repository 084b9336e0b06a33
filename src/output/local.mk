# Output layer: alert formatting (JSON / key=value), escaping of host
# strings, and the sinks (stdout/file, syslog). Depends on event only.
noinst_LIBRARIES += src/output/libimds_output.a
src_output_libimds_output_a_SOURCES = \
	src/output/alert.h \
	src/output/escape.h \
	src/output/escape.cpp \
	src/output/alert_format.h \
	src/output/alert_format.cpp \
	src/output/sink.h \
	src/output/stream_sink.h \
	src/output/stream_sink.cpp \
	src/output/syslog_sink.h \
	src/output/syslog_sink.cpp
