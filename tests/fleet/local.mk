# Fleet tests: node= streams (one collector for many hosts) and the optional
# rule files. Include from Makefile.am inside `if BUILD_TESTS`:
#   include tests/fleet/local.mk
#
# Replays, no root: part of `make check`. clock_skew_test.sh proves the
# fixes of C1/C2 (docs/fleet.md): node time is kept per node.
FLEET_TESTS = \
	tests/fleet/multinode_replay_test.sh \
	tests/fleet/optional_rules_test.sh \
	tests/fleet/clock_skew_test.sh
TESTS += $(FLEET_TESTS)
dist_noinst_SCRIPTS += $(FLEET_TESTS) \
	tests/fleet/collector_test.sh \
	tests/fleet/interleave.py \
	tests/fleet/make_capture.py \
	tests/fleet/alerts.py \
	tests/fleet/replay_lib.sh
EXTRA_DIST += \
	tests/fleet/data/README.md \
	tests/fleet/data/aws_ipv6_curl.log \
	tests/fleet/data/aws_ipv6_other_address.log \
	tests/fleet/data/oracle_curl.log \
	tests/fleet/data/alibaba_curl.log \
	tests/fleet/data/alibaba_ipv4_mapped_ipv6.log \
	tests/fleet/data/imds_ipv4_mapped_ipv6.log

# The live collector test (two auditds, audisp-remote, rsyslog, namespaces):
# root only, like check-e2e, so not in `make check`:
#   sudo make check-fleet        # log and result: tests/fleet/collector_test.{log,trs}
.PHONY: check-fleet
check-fleet: src/audisp-imds
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='tests/fleet/collector_test.sh' check_PROGRAMS=
