#!/bin/bash
# RPM packaging test, on Debian with Debian's `rpm` package: the spec in
# `make dist`'s tarball parses (`rpmspec -P`), a binary rpm builds from that
# tarball (`rpmbuild -tb --nodeps`: Fedora's BuildRequires are not Debian
# packages), and the rpm holds the same layout as the .deb: the binary 0750
# under /usr/sbin, the three files under /etc as %config(noreplace) 0640,
# the rule files, both man pages, both licenses, and the scriptlets that
# reload auditd only when it runs.
#
#   make check-rpm                     # builds the tarball first (make dist)
#   IMDS_DIST_TARBALL=audisp-imds-0.1.0.tar.gz bash tests/package/rpm_test.sh
#
# The rpm is built `--without check`: the same tarball's `make check` is what
# `make distcheck` runs (CI runs both). Needs no root. Prints TAP; "SKIPPED"
# and exit 77 when rpmbuild is not installed (Debian: rpm).
# IMDS_RPM_KEEP=1 keeps the work directory.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail
# Run from `make check-...`, make's command-line overrides (TESTS=...,
# check_PROGRAMS=) travel in MAKEFLAGS: the package build's own make must
# not inherit them (dh_auto_test would run this very test again, forever).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
TARBALL=${IMDS_DIST_TARBALL:?set IMDS_DIST_TARBALL to make dist\'s tarball}
for tool in rpmbuild rpmspec rpm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIPPED: $tool not installed (Debian: rpm)"; exit 77; }
done
[[ -f $TARBALL ]] || { echo "Bail out! $TARBALL not found"; exit 99; }
TARBALL=$(cd "$(dirname "$TARBALL")" && pwd)/$(basename "$TARBALL")
WORK=$(mktemp -d /tmp/imds-rpm-test.XXXXXX)
cleanup() { if [[ ${IMDS_RPM_KEEP:-} == 1 ]]; then echo "# work directory kept: $WORK"; else rm -rf -- "$WORK"; fi; }
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

NAME=$(basename "$TARBALL" .tar.gz)   # audisp-imds-VERSION
VERSION=${NAME#audisp-imds-}
tar -xzf "$TARBALL" -C "$WORK" "$NAME/rpm/audisp-imds.spec" 2>"$WORK/tar.err" ||
  { not_ok "the tarball holds rpm/audisp-imds.spec" "$(cat "$WORK/tar.err")"; finish; }
ok "the tarball holds rpm/audisp-imds.spec"
SPEC=$WORK/$NAME/rpm/audisp-imds.spec
RPMDEFS=(--define "_topdir $WORK/rpmbuild" --define "_tmppath $WORK/tmp" --define "debug_package %{nil}")
mkdir -p "$WORK/tmp"

spec_parses() {
  local parsed
  parsed=$(rpmspec -P "${RPMDEFS[@]}" "$SPEC") || return 1
  [[ $(sed -n 's/^Version:[[:space:]]*//p' <<<"$parsed") == "$VERSION" ]] ||
    { echo "spec Version is not the tarball's $VERSION"; return 1; }
}
check_output "rpmspec -P parses the spec, whose Version is the tarball's ($VERSION)" spec_parses

if rpmbuild -tb --nodeps --without check "${RPMDEFS[@]}" "$TARBALL" >"$WORK/rpmbuild.log" 2>&1; then
  ok "rpmbuild -tb --nodeps builds a binary rpm from $(basename "$TARBALL")"
else
  not_ok "rpmbuild -tb --nodeps builds a binary rpm from $(basename "$TARBALL")" "$(tail -15 "$WORK/rpmbuild.log")"
  finish
fi
RPM=$(find "$WORK/rpmbuild/RPMS" -name "audisp-imds-$VERSION-*.rpm" | head -1)
[[ -n $RPM ]] || { not_ok "the binary rpm is named audisp-imds-$VERSION-*.rpm" "$(find "$WORK/rpmbuild/RPMS")"; finish; }

# path mode (the rpm's own view: owner and group are set by %attr / defaults).
# A trailing * stands for the compression suffix the distribution's
# brp-compress adds to man pages (.gz on Fedora; none with Debian's rpm).
EXPECTED=(
  "/usr/sbin/audisp-imds -rwxr-x---"
  "/etc/audit/audisp-imds.toml -rw-r-----"
  "/etc/audit/plugins.d/audisp-imds.conf -rw-r-----"
  "/etc/audit/rules.d/audisp-imds.rules -rw-r-----"
  "/usr/share/audisp-imds/rules/imds_v3.toml -rw-r--r--"
  "/usr/share/audisp-imds/rules/upstream/credential_access_unusual_instance_metadata_service_api_request.toml -rw-r--r--"
  "/usr/share/audisp-imds/rules/optional/imds_v3_aws_ipv6.toml -rw-r--r--"
  "/usr/share/audisp-imds/rules/optional/imds_v3_oracle.toml -rw-r--r--"
  "/usr/share/audisp-imds/rules/optional/imds_v3_alibaba.toml -rw-r--r--"
  "/usr/share/man/man8/audisp-imds.8* -rw-r--r--"
  "/usr/share/man/man5/audisp-imds.toml.5* -rw-r--r--"
)
files_in_rpm() {
  local listing entry path mode bad=()
  listing=$(rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME}\n]' "$RPM") || return 1
  for entry in "${EXPECTED[@]}"; do
    read -r path mode <<<"$entry"
    if [[ $path == *'*' ]]; then
      awk -v p="${path%'*'}" -v m="$mode" '
        index($1, p) == 1 && $1 ~ /^[^ ]*(\.(gz|bz2|xz|zst))?$/ && length($1) - length(p) <= 4 && $2 == m && $3 == "root:root" { found = 1 }
        END { exit !found }' <<<"$listing" ||
        bad+=("$path: want $mode root:root, rpm has '$(grep -F "${path%'*'}" <<<"$listing")'")
      continue
    fi
    grep -qxF "$path $mode root:root" <<<"$listing" ||
      bad+=("$path: want $mode root:root, rpm has '$(grep -F "$path " <<<"$listing")'")
  done
  ((${#bad[@]} == 0)) || { printf '%s\n' "${bad[@]}"; return 1; }
}
check_output "binary (0750), /etc files (0640), rule files and man pages are in the rpm, owned by root" files_in_rpm

config_noreplace() {
  # FILEFLAGS: 1 = %config, 16 = noreplace
  local listing path bad=()
  listing=$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS}\n]' "$RPM") || return 1
  for path in /etc/audit/audisp-imds.toml /etc/audit/plugins.d/audisp-imds.conf /etc/audit/rules.d/audisp-imds.rules; do
    local flags
    flags=$(awk -v p="$path" '$1 == p { print $2 }' <<<"$listing")
    [[ -n $flags ]] && (((flags & 17) == 17)) || bad+=("$path flags ${flags:-missing}")
  done
  [[ $(rpm -qp --configfiles "$RPM" | sort | tr '\n' ' ') == \
    "/etc/audit/audisp-imds.toml /etc/audit/plugins.d/audisp-imds.conf /etc/audit/rules.d/audisp-imds.rules " ]] ||
    bad+=("config files: $(rpm -qp --configfiles "$RPM" | tr '\n' ' ')")
  ((${#bad[@]} == 0)) || { printf '%s\n' "${bad[@]}"; return 1; }
}
check_output "exactly the three /etc files are %config(noreplace)" config_noreplace

licenses() {
  local lic docs
  lic=$(rpm -qp --qf '%{LICENSE}' "$RPM")
  [[ $lic == "Apache-2.0 AND Elastic-2.0" ]] || { echo "License: $lic"; return 1; }
  docs=$(rpm -qp --licensefiles "$RPM")
  grep -q '/LICENSE$' <<<"$docs" && grep -q '/LICENSE.Elastic-2.0$' <<<"$docs" || { echo "license files: $docs"; return 1; }
}
check_output "License is Apache-2.0 AND Elastic-2.0, with both license texts marked %license" licenses

scriptlets() {
  local s
  s=$(rpm -qp --scripts "$RPM")
  grep -q '^postinstall scriptlet' <<<"$s" && grep -q '^postuninstall scriptlet' <<<"$s" || { echo "$s"; return 1; }
  # reload only when auditd runs, never through systemctl (chroots, containers)
  grep -q 'augenrules --load' <<<"$s" && grep -q 'auditctl --signal hup' <<<"$s" && grep -q '/run/auditd.pid' <<<"$s" &&
    ! grep -q systemctl <<<"$s" || { echo "$s"; return 1; }
}
check_output "%post and %postun reload audit rules and plugins only when auditd runs, without systemctl" scriptlets

requires_audit() { rpm -qp --requires "$RPM" | grep -qx 'audit'; }
check_output "the rpm requires audit" requires_audit

binary_runs() {
  mkdir -p "$WORK/root" && (cd "$WORK/root" && rpm2cpio "$RPM" | cpio -idm --quiet) &&
    "$WORK/root/usr/sbin/audisp-imds" --version | grep -qF "$VERSION"
}
if command -v rpm2cpio >/dev/null && command -v cpio >/dev/null; then
  check_output "the packaged binary runs and reports version $VERSION" binary_runs
fi
finish
