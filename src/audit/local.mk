# The audit layer: one libauparse event -> a partially filled EcsEvent (exec
# or connect). Pure decoders (hex, EXECVE, PROCTITLE, SOCKADDR) live apart
# from the auparse walk so they can be tested on record text alone. Uses the
# event layer and libauparse/libaudit.
noinst_LIBRARIES += src/audit/libimds_audit.a
src_audit_libimds_audit_a_SOURCES = \
	src/audit/decode.h \
	src/audit/decode.cpp \
	src/audit/event_builder.h \
	src/audit/event_builder.cpp \
	src/audit/syscall_classifier.h \
	src/audit/syscall_classifier.cpp
src_audit_libimds_audit_a_CPPFLAGS = $(AM_CPPFLAGS) $(AUPARSE_CFLAGS)
