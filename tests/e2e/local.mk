# The live end-to-end harness (tests/e2e/live_test.sh): a real auditd running
# audisp-imds, the shipped rules, a private rsyslogd, clients in a network
# namespace. It needs root and the kernel audit subsystem (otherwise it is
# reported as skipped), so it is not part of `make check`:
#
#   sudo make check-e2e        # log and result: tests/e2e/live_test.{log,trs}
#
# record-captures.sh regenerates tests/data from the same scenarios.
dist_noinst_SCRIPTS += \
	tests/e2e/live_test.sh \
	tests/e2e/record-captures.sh \
	tests/e2e/capture_check.py \
	tests/e2e/live_check.py \
	tests/e2e/fake_imds.py
EXTRA_DIST += \
	tests/e2e/lib.sh \
	tests/e2e/scenarios.sh \
	tests/e2e/imds_i386_fetch.c

.PHONY: check-e2e
check-e2e: src/audisp-imds
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='tests/e2e/live_test.sh' check_PROGRAMS=
