# Hardening tests: the BUILT plugin against hostile input and a hostile
# environment (tests/hardening/*.sh; TAP output; exit 77 = skipped). Pure
# text replays and private unix sockets: no network, no auditd. They need
# python3 and use IMDS_SRCDIR / IMDS_BUILDDIR from AM_TESTS_ENVIRONMENT.
HARDENING_TESTS = \
	tests/hardening/syslog_down.sh \
	tests/hardening/stdin_stalls.sh \
	tests/hardening/injection.sh \
	tests/hardening/resource_limits.sh \
	tests/hardening/privileges.sh \
	tests/hardening/stdin_pause_live.sh
TESTS += $(HARDENING_TESTS)
dist_noinst_SCRIPTS += $(HARDENING_TESTS)
EXTRA_DIST += \
	tests/hardening/lib.sh \
	tests/hardening/audit_records.py \
	tests/hardening/syslog_receiver.py \
	tests/hardening/check_alerts.py
# stdin_pause_live.sh fails on a known bug (docs/security.md, F2) until the
# input layer stops aging split events. To keep `make check` green meanwhile,
# list it as an expected failure (an unexpected pass is then an error, so the
# line cannot be forgotten). privileges.sh fails on F3 (a two-line fix in
# src/app/privileges.cpp); it is not XFAIL material, because on a host
# without CAP_SETPCAP its bounding-set test is skipped and the script passes.
#XFAIL_TESTS = tests/hardening/stdin_pause_live.sh
