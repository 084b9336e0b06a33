# Packaging: debian/ (dpkg-buildpackage -us -uc -b) and rpm/audisp-imds.spec
# (rpmbuild -tb on `make dist`'s tarball, which holds the spec). The package
# test builds the .deb from a copy of the tree, installs, upgrades and purges
# it, and runs the live end-to-end harness against the installed files. It
# needs root (else it is reported as skipped) and changes the machine's
# package state while it runs (restored on exit), so it is not part of
# `make check`:
#
#   sudo make check-package     # log and result: tests/package/package_test.{log,trs}
EXTRA_DIST += \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/rules \
	debian/source/format \
	debian/audisp-imds.docs \
	debian/audisp-imds.lintian-overrides \
	debian/audisp-imds.postinst \
	debian/audisp-imds.postrm \
	rpm/audisp-imds.spec \
	tests/package/package_test.sh

check-package:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='tests/package/package_test.sh' check_PROGRAMS=

# The rpm: from `make dist`'s tarball, no root (see tests/package/rpm_test.sh).
#   make check-rpm               # log and result: tests/package/rpm_test.{log,trs}
EXTRA_DIST += tests/package/rpm_test.sh
check-rpm: dist-gzip
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='tests/package/rpm_test.sh' check_PROGRAMS= XFAIL_TESTS= \
	  TESTS_ENVIRONMENT="IMDS_DIST_TARBALL='$(abs_top_builddir)/$(distdir).tar.gz'"

# Manual pages: lint and the config page against the shipped config (make check).
TESTS += tests/package/man_test.sh
dist_noinst_SCRIPTS += tests/package/man_test.sh
