# Audit layer tests: decoders on real record values, the event builder on
# real corpus files (tests/audit/data, see PROVENANCE.md there) and on
# hand-written and hostile records.
check_PROGRAMS += tests/audit/test_audit
TESTS += tests/audit/test_audit
tests_audit_test_audit_SOURCES = \
	tests/audit/decode_test.cpp \
	tests/audit/event_builder_test.cpp
tests_audit_test_audit_CPPFLAGS = $(TEST_CPPFLAGS) $(AUPARSE_CFLAGS)
tests_audit_test_audit_LDADD = src/audit/libimds_audit.a src/event/libimds_event.a \
	$(AUPARSE_LIBS) $(TEST_LIBS)
EXTRA_DIST += \
	tests/audit/data/PROVENANCE.md \
	tests/audit/data/crowdsec-hub_auditd-curl-exec-behavior.txt \
	tests/audit/data/crowdsec-hub_auditd-suid-crash.txt \
	tests/audit/data/go-libaudit_audit-rhel7.txt \
	tests/audit/data/go-libaudit_testdata_normal.txt \
	tests/audit/data/laurel_fork-sleep-exec.txt \
	tests/audit/data/laurel_record-connect.txt \
	tests/audit/data/laurel_record-execve-long.txt \
	tests/audit/data/laurel_record-execve.txt \
	tests/audit/data/laurel_record-perl-reverse-shell.txt
