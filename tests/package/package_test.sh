#!/bin/bash
# Package test of audisp-imds on Debian: builds the .deb from a clean copy of
# the tree, installs it, checks where every file went and with which mode,
# runs the live end-to-end harness against the installed binary, plugin file
# and audit rules, upgrades over itself with a locally edited configuration
# (which must survive, without a prompt), and purges (everything the package
# made is gone; /etc/audit and auditd's own files are as they were).
#
#   sudo bash tests/package/package_test.sh
#   sudo make check-package                 # through automake's driver
#
# Needs root; prints "1..0 # SKIP why" and exits 77 otherwise, and also when the
# build tools are missing (Debian: dpkg-dev debhelper) or audisp-imds is
# already installed. auditd must be installed beforehand (scripts/install-deps
# does): the test does not install daemons. Prints TAP; exit 0 only when
# every check passed.
#
# Environment:
#   IMDS_SRCDIR                 the tree to package (default: this checkout)
#   IMDS_PKG_E2E_SCENARIOS      live scenarios to run against the installed
#                               package (default: a few; "all": every one;
#                               "none": skip the live harness)
#   IMDS_PKG_KEEP=1             keep the work directory (build logs, .debs)
#   IMDS_PKG_DEB_CHECK=0        build without dh_auto_test (default: the first
#                               build runs it, i.e. the package's `make check`)
#
# The machine is left as found: the EXIT trap purges audisp-imds and any
# package that apt installed for it, and removes the work directory. The
# first .deb is built with dh_auto_test (the package's own `make check`), the
# second with DEB_BUILD_OPTIONS=nocheck;
# the upgrade package is a rebuild of the same tree with a bumped version in
# debian/changelog and a changed default configuration, so that dpkg has a
# real conffile conflict to resolve (--force-confold keeps the local file).
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u -o pipefail

# Run from `make check-...`, make's command-line overrides (TESTS=...,
# check_PROGRAMS=) travel in MAKEFLAGS: the package build's own make must
# not inherit them (dh_auto_test would run this very test again, forever).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=$(cd "${IMDS_SRCDIR:-$HERE/../..}" && pwd)
PKG=audisp-imds
CONFFILES=(/etc/audit/audisp-imds.toml /etc/audit/plugins.d/audisp-imds.conf /etc/audit/rules.d/audisp-imds.rules)
# path  owner:group  mode
EXPECTED_FILES=(
  "/usr/sbin/audisp-imds root:root 750"
  "/etc/audit/audisp-imds.toml root:root 640"
  "/etc/audit/plugins.d/audisp-imds.conf root:root 640"
  "/etc/audit/rules.d/audisp-imds.rules root:root 640"
  "/usr/share/audisp-imds/rules/imds_v3.toml root:root 644"
  "/usr/share/audisp-imds/rules/README.md root:root 644"
  "/usr/share/audisp-imds/rules/upstream/credential_access_unusual_instance_metadata_service_api_request.toml root:root 644"
  "/usr/share/audisp-imds/rules/optional/README.md root:root 644"
  "/usr/share/audisp-imds/rules/optional/imds_v3_aws_ipv6.toml root:root 644"
  "/usr/share/audisp-imds/rules/optional/imds_v3_oracle.toml root:root 644"
  "/usr/share/audisp-imds/rules/optional/imds_v3_alibaba.toml root:root 644"
  "/usr/share/man/man8/audisp-imds.8.gz root:root 644"
  "/usr/share/man/man5/audisp-imds.toml.5.gz root:root 644"
  "/usr/share/doc/audisp-imds/copyright root:root 644"
)
UPGRADE_VERSION=0.1.0+pkgtest1
EDIT_MARK="# edited locally by package_test.sh $$"
NEW_DEFAULT_MARK="# default changed by the upgrade package of package_test.sh"

source "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
[[ $(id -u) == 0 ]] || skip_all "not root"
for tool in dpkg-buildpackage dh dpkg-checkbuilddeps apt-get; do
  command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed (Debian: dpkg-dev debhelper apt)"
done
dpkg-query -W -f='${Status}' auditd 2>/dev/null | grep -q 'install ok installed' ||
  skip_all "auditd not installed (scripts/install-deps installs it; this test installs no daemon)"
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -qv 'not-installed'; then
  skip_all "$PKG is already installed ($(dpkg-query -W -f='${Status} ${Version}' "$PKG")); the test would not leave it as found"
fi
if ! missing=$(cd "$SRCDIR" && dpkg-checkbuilddeps -Pnocheck 2>&1); then
  skip_all "build dependencies missing: ${missing//$'\n'/ }"
fi

T0=$EPOCHREALTIME
WORK=$(mktemp -d /tmp/imds-pkg-test.XXXXXX)
chmod 0755 "$WORK"
installed_packages() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 ~ /^.i/ {print $2}' | sort; }
installed_packages >"$WORK/packages.before"

# /etc/audit as auditd left it: every path, its mode and owner, and each
# file's content. Compared again after the purge.
etc_audit_snapshot() {
  find /etc/audit -printf '%p %m %u:%g\n' | sort
  find /etc/audit -type f -print0 | sort -z | xargs -0 -r sha256sum
}
etc_audit_snapshot >"$WORK/etc-audit.before"

cleanup() {
  trap '' INT TERM
  local status new
  status=$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null)
  if [[ -n $status && $status != *not-installed* ]]; then
    echo "# cleanup: purging $PKG ($status)"
    DEBIAN_FRONTEND=noninteractive dpkg --purge "$PKG" >"$WORK/cleanup-purge.log" 2>&1 ||
      echo "# cleanup: dpkg --purge $PKG failed: $(tail -3 "$WORK/cleanup-purge.log" | tr '\n' ' ')"
  fi
  # Whatever apt installed for the package (dependencies), and only that.
  new=$(installed_packages | comm -13 "$WORK/packages.before" -)
  if [[ -n $new ]]; then
    echo "# cleanup: purging packages installed for $PKG: ${new//$'\n'/ }"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $new >"$WORK/cleanup-deps.log" 2>&1 ||
      echo "# cleanup: apt-get purge failed: $(tail -3 "$WORK/cleanup-deps.log" | tr '\n' ' ')"
  fi
  if [[ ${IMDS_PKG_KEEP:-} == 1 ]]; then
    echo "# work directory kept: $WORK"
  else
    rm -rf -- "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ helpers
log_tail() { tail -n "${2:-15}" "$1" 2>/dev/null | sed 's/^/    /'; }
apt_install() { # DEB: install without a prompt, keeping local conffiles
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef "$1" </dev/null
}

# --------------------------------------------------------------- build
# A clean copy: what git tracks (plus untracked, not ignored files) in a
# checkout, the whole tree otherwise (an unpacked `make dist` tarball).
SRC=$WORK/src/$PKG
mkdir -p "$SRC"
if git -C "$SRCDIR" rev-parse --show-toplevel >/dev/null 2>&1 &&
  [[ $(git -C "$SRCDIR" rev-parse --show-toplevel) == "$SRCDIR" ]]; then
  # (The work tree as it is: tracked files deleted there are left out.)
  (cd "$SRCDIR" && git ls-files -co --exclude-standard -z |
    while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
    xargs -0 cp --parents -t "$SRC") ||
    bail "clean copy of the tree" "copying the files git lists failed"
else
  cp -a "$SRCDIR/." "$SRC/" || bail "clean copy of the tree" "cp -a failed"
fi
rm -rf "$SRC/debian/$PKG" "$SRC/debian/.debhelper" "$SRC/debian/debhelper-build-stamp"
ok "clean copy of $SRCDIR"

build_deb() { # LOG: dpkg-buildpackage in $SRC (no clean when NOCLEAN=1; with dh_auto_test when CHECK=1)
  if [[ ${CHECK:-0} == 1 ]]; then
    (cd "$SRC" && DEB_BUILD_OPTIONS="noautodbgsym parallel=$(nproc)" \
      dpkg-buildpackage -us -uc -b ${NOCLEAN:+-nc}) >"$1" 2>&1
  else
    (cd "$SRC" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc)" \
      dpkg-buildpackage -us -uc -b -Pnocheck ${NOCLEAN:+-nc}) >"$1" 2>&1
  fi
}
DEB1=$WORK/src/${PKG}_0.1.0_$(dpkg --print-architecture).deb
# The first build runs dh_auto_test (make check) unless IMDS_PKG_DEB_CHECK=0
# or the test dependencies are missing.
DEB_CHECK=${IMDS_PKG_DEB_CHECK:-1}
if [[ $DEB_CHECK == 1 ]] && ! (cd "$SRCDIR" && dpkg-checkbuilddeps >/dev/null 2>&1); then DEB_CHECK=0; fi
if CHECK=$DEB_CHECK build_deb "$WORK/build1.log" && [[ -f $DEB1 ]]; then
  ok "dpkg-buildpackage -us -uc -b builds $(basename "$DEB1")"
else
  bail "dpkg-buildpackage -us -uc -b builds $(basename "$DEB1")" "$(log_tail "$WORK/build1.log")"
fi
dh_auto_test_ran_the_suite() {
  grep -q '^   dh_auto_test' "$WORK/build1.log" || { echo "dh_auto_test did not run"; return 1; }
  local pass fail
  pass=$(sed -n 's/^# PASS: *//p' "$WORK/build1.log" | head -1)
  fail=$(sed -n 's/^# FAIL: *//p' "$WORK/build1.log" | head -1)
  [[ -n $pass && $pass -gt 10 && $fail == 0 ]] || { echo "automake summary: PASS=${pass:-?} FAIL=${fail:-?}"; return 1; }
}
if [[ $DEB_CHECK == 1 ]]; then
  check_output "dh_auto_test ran the test suite (make check) in the package build, without a failure" dh_auto_test_ran_the_suite
else
  skip "dh_auto_test ran the test suite (make check) in the package build, without a failure" \
    "IMDS_PKG_DEB_CHECK=0 or test build dependencies missing"
fi

CHANGES1=${DEB1%.deb}.changes
lintian_clean() { # no error or warning that debian/*.lintian-overrides does not explain
  local out
  out=$(lintian --fail-on error,warning "$CHANGES1" 2>&1) && return 0
  grep -v '^running with root privileges' <<<"$out"
  return 1
}
if command -v lintian >/dev/null 2>&1; then
  check_output "lintian reports no error or warning on the .deb" lintian_clean
else
  skip "lintian reports no error or warning on the .deb" "lintian not installed"
fi

# The upgrade: the same tree, rebuilt without cleaning (dh's build stamp
# skips the compile), with a new changelog entry and a new default config.
{
  printf '%s (%s) unstable; urgency=medium\n\n  * Upgrade test package.\n\n -- %s  %s\n\n' \
    "$PKG" "$UPGRADE_VERSION" "$(sed -n 's/^Maintainer: //p' "$SRC/debian/control")" "$(date -R)"
  cat "$SRC/debian/changelog"
} >"$SRC/debian/changelog.new" && mv "$SRC/debian/changelog.new" "$SRC/debian/changelog"
echo "$NEW_DEFAULT_MARK" >>"$SRC/etc/audisp-imds.toml"
DEB2=$WORK/src/${PKG}_${UPGRADE_VERSION}_$(dpkg --print-architecture).deb
if NOCLEAN=1 build_deb "$WORK/build2.log" && [[ -f $DEB2 ]]; then
  ok "rebuild with version $UPGRADE_VERSION builds $(basename "$DEB2")"
else
  bail "rebuild with version $UPGRADE_VERSION builds $(basename "$DEB2")" "$(log_tail "$WORK/build2.log")"
fi

# -------------------------------------------------- maintainer scripts
# The scripts of the built .deb, run in a private mount namespace whose /run
# is an empty tmpfs, with stubs that only record their calls in place of
# augenrules, auditctl, systemctl, service and invoke-rc.d: nothing reaches
# the kernel's audit rules or a real auditd.
maintainer_scripts_reload_only_a_running_auditd() {
  local ctrl=$WORK/ctrl stubs=$WORK/stubs calls=$WORK/calls tool got want
  mkdir -p "$ctrl" "$stubs"
  dpkg-deb --ctrl-tarfile "$DEB1" | tar -x -C "$ctrl" ./postinst ./postrm || return 1
  for tool in augenrules auditctl systemctl service invoke-rc.d deb-systemd-invoke; do
    printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$tool" "$calls" >"$stubs/$tool"
    chmod 0755 "$stubs/$tool"
  done
  # CASE PIDFILE-CONTENT SCRIPT ARGS...: the calls SCRIPT makes, one line.
  cat >"$WORK/run-case.sh" <<'EOF'
set -u
calls=$1 pidfile=$2; shift 2
mount -t tmpfs imds-pkg-test /run || exit 99
case $pidfile in
  none) ;;
  live) echo $$ >/run/auditd.pid ;;
  *) echo "$pidfile" >/run/auditd.pid ;;
esac
: >"$calls"
"$@" >/dev/null 2>&1 || echo "exit $?" >>"$calls"
tr '\n' ';' <"$calls"
EOF
  run_case() { # PIDFILE SCRIPT ARGS...
    env -i PATH="$stubs:/usr/sbin:/usr/bin:/sbin:/bin" ${DPKG_ROOT_CASE:+DPKG_ROOT=$DPKG_ROOT_CASE} \
      unshare --mount --propagation private /bin/sh "$WORK/run-case.sh" "$calls" "$@"
  }
  local dead_pid=4194304 # above pid_max's ceiling: never a live process
  local -a cases=(
    "none|postinst configure|"
    "$dead_pid|postinst configure|"
    "live|postinst configure|augenrules --load;auditctl --signal hup;"
    "live|postinst configure 0.1.0|augenrules --load;auditctl --signal hup;"
    "live|postinst abort-upgrade 0.1.0|"
    "none|postrm remove|"
    "live|postrm remove|auditctl --signal hup;"
    "live|postrm upgrade 0.1.0|"
    "none|postrm purge|"
    "$dead_pid|postrm purge|"
    "live|postrm purge|augenrules --load;auditctl --signal hup;"
  )
  local c pidfile script want bad=()
  for c in "${cases[@]}"; do
    IFS='|' read -r pidfile script want <<<"$c"
    # shellcheck disable=SC2086 # SCRIPT ARGS are words
    got=$(run_case "$pidfile" /bin/sh "$ctrl"/$script)
    [[ $got == "$want" ]] || bad+=("auditd pid file $pidfile, $script: got '$got', want '$want'")
  done
  got=$(DPKG_ROOT_CASE=/tmp/elsewhere run_case live /bin/sh "$ctrl/postinst" configure)
  [[ -z $got ]] || bad+=("DPKG_ROOT set, postinst configure: got '$got', want nothing")
  ((${#bad[@]} == 0)) || { printf '%s\n' "${bad[@]}"; return 1; }
}
check_output "maintainer scripts run augenrules --load / auditctl --signal hup only while auditd runs, never systemctl" \
  maintainer_scripts_reload_only_a_running_auditd

# ------------------------------------------------------------- install
if apt_install "$DEB1" >"$WORK/install1.log" 2>&1; then
  ok "apt-get install ./$(basename "$DEB1")"
else
  bail "apt-get install ./$(basename "$DEB1")" "$(log_tail "$WORK/install1.log")"
fi
check_output "dpkg reports $PKG 0.1.0 installed" \
  test "$(dpkg-query -W -f='${Status} ${Version}' "$PKG")" = "install ok installed 0.1.0"

files_in_place() {
  local entry path want_owner want_mode want got bad=()
  for entry in "${EXPECTED_FILES[@]}"; do
    read -r path want_owner want_mode <<<"$entry"
    want="$want_owner $want_mode"
    if [[ ! -f $path ]]; then bad+=("$path missing"); continue; fi
    got=$(stat -c '%U:%G %a' "$path")
    [[ $got == "$want" ]] || bad+=("$path is $got, want $want")
  done
  ((${#bad[@]} == 0)) || { printf '%s\n' "${bad[@]}"; return 1; }
}
check_output "binary, configuration, plugin file, audit rules, rule files and man pages in place with their modes" files_in_place

dirs_kept_0750() {
  local d bad=()
  for d in /etc/audit /etc/audit/plugins.d /etc/audit/rules.d; do
    [[ $(stat -c '%U:%G %a' "$d") == "root:root 750" ]] || bad+=("$d is $(stat -c '%U:%G %a' "$d")")
  done
  ((${#bad[@]} == 0)) || { printf '%s\n' "${bad[@]}"; return 1; }
}
check_output "/etc/audit and its plugins.d and rules.d stay root:root 0750" dirs_kept_0750

conffiles_are() {
  local got want
  got=$(dpkg-query --control-show "$PKG" conffiles | awk '{print $1}' | sort)
  want=$(printf '%s\n' "${CONFFILES[@]}" | sort)
  [[ $got == "$want" ]] || { echo "conffiles: ${got//$'\n'/ }"; return 1; }
}
check_output "the three files under /etc are the package's conffiles" conffiles_are

plugin_conf_value() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$/\1/p" /etc/audit/plugins.d/audisp-imds.conf; }
plugin_conf_names_installed_paths() {
  [[ $(plugin_conf_value path) == /usr/sbin/audisp-imds && $(plugin_conf_value active) == yes &&
    $(plugin_conf_value args) == "--config /etc/audit/audisp-imds.toml" ]] ||
    { grep -v '^#' /etc/audit/plugins.d/audisp-imds.conf; return 1; }
}
check_output "the installed plugin file starts /usr/sbin/audisp-imds --config /etc/audit/audisp-imds.toml" \
  plugin_conf_names_installed_paths
check_output "the installed binary reports version 0.1.0" bash -c '/usr/sbin/audisp-imds --version | grep -q "0\.1\.0"'
check_output "audisp-imds --check-config accepts the installed configuration" \
  /usr/sbin/audisp-imds --check-config --config /etc/audit/audisp-imds.toml

replay_with_installed_config() {
  local out
  out=$(/usr/sbin/audisp-imds --config /etc/audit/audisp-imds.toml --input "$SRCDIR/tests/data/curl.log" \
    --output stdout) || return 1
  [[ $(grep -c '"rule":{"name":"Unusual Instance Metadata Service (IMDS) API Request"' <<<"$out") == 1 ]] ||
    { echo "$out"; return 1; }
}
if [[ -f $SRCDIR/tests/data/curl.log ]]; then
  check_output "the installed binary and configuration raise the one alert of tests/data/curl.log" replay_with_installed_config
else
  skip "the installed binary and configuration raise the one alert of tests/data/curl.log" "no tests/data in $SRCDIR"
fi

# The live harness with what the package installed: binary, plugin file,
# audit rules and configuration. The installed /etc/audit/audisp-imds.toml is
# edited the way an administrator would, in one line: its [syslog] socket
# points at the harness's private rsyslogd instead of /dev/log (every other
# setting stays the shipped default), and the harness runs the plugin with
# `--config /etc/audit/audisp-imds.toml`, exactly as the installed plugin
# file says. The edit also makes the file locally modified for the upgrade.
point_installed_config_at() { # SOCKET
  sed -i "s|^#socket = \"/dev/log\"\$|socket = \"$1\"|" /etc/audit/audisp-imds.toml &&
    grep -qxF "socket = \"$1\"" /etc/audit/audisp-imds.toml
}
live_e2e() {
  local scenarios=() rc socket=$WORK/syslog/log.sock
  case ${IMDS_PKG_E2E_SCENARIOS:-default} in
    none) skip "live end-to-end harness against the installed package" "IMDS_PKG_E2E_SCENARIOS=none"; return ;;
    all) ;;
    default) scenarios=(curl python3_urllib imdsv2_curl neg_other_address neg_other_parent) ;;
    *) read -r -a scenarios <<<"$IMDS_PKG_E2E_SCENARIOS" ;;
  esac
  if [[ ! -f $SRCDIR/tests/e2e/live_test.sh ]]; then
    skip "live end-to-end harness against the installed package" "no tests/e2e/live_test.sh in $SRCDIR"
    return
  fi
  if ! point_installed_config_at "$socket"; then
    not_ok "installed configuration's [syslog] socket set to the harness's rsyslogd" \
      "no line '#socket = \"/dev/log\"' in /etc/audit/audisp-imds.toml"
    return
  fi
  ok "installed configuration's [syslog] socket set to the harness's rsyslogd ($socket), nothing else changed"
  IMDS_E2E_BINARY=/usr/sbin/audisp-imds \
    IMDS_E2E_PLUGIN_CONF=/etc/audit/plugins.d/audisp-imds.conf \
    IMDS_E2E_RULES=/etc/audit/rules.d/audisp-imds.rules \
    IMDS_E2E_CONFIG=/etc/audit/audisp-imds.toml \
    IMDS_E2E_SYSLOG_SOCKET=$socket \
    IMDS_SRCDIR=$SRCDIR IMDS_BUILDDIR=$WORK/no-build-dir \
    bash "$SRCDIR/tests/e2e/live_test.sh" "${scenarios[@]}" >"$WORK/live_test.log" 2>&1 </dev/null
  rc=$?
  sed 's/^/# live: /' "$WORK/live_test.log"
  local what="live end-to-end harness passes against the installed binary, plugin file, rules and configuration (${scenarios[*]:-all})"
  case $rc in
    0) ok "$what" ;;
    77) skip "$what" "$(sed -n 's/^SKIPPED: //p' "$WORK/live_test.log" | head -1)" ;;
    *) not_ok "$what" "live_test.sh exited $rc" ;;
  esac
}
live_e2e

# ------------------------------------------------------------- upgrade
echo "$EDIT_MARK" >>/etc/audit/audisp-imds.toml
if apt_install "$DEB2" >"$WORK/install2.log" 2>&1; then
  ok "upgrade to $UPGRADE_VERSION over a locally edited configuration, without a prompt"
else
  bail "upgrade to $UPGRADE_VERSION over a locally edited configuration, without a prompt" \
    "$(log_tail "$WORK/install2.log")"
fi
check_output "dpkg reports $PKG $UPGRADE_VERSION installed" \
  test "$(dpkg-query -W -f='${Status} ${Version}' "$PKG")" = "install ok installed $UPGRADE_VERSION"
check_output "the locally edited /etc/audit/audisp-imds.toml survived the upgrade" \
  grep -qxF "$EDIT_MARK" /etc/audit/audisp-imds.toml
check_output "the new default configuration waits beside it as audisp-imds.toml.dpkg-dist" \
  grep -qxF "$NEW_DEFAULT_MARK" /etc/audit/audisp-imds.toml.dpkg-dist
check_output "files and modes are unchanged by the upgrade" files_in_place
check_output "the conffiles are unchanged by the upgrade" conffiles_are
check_output "audisp-imds --check-config still accepts the edited configuration" \
  /usr/sbin/audisp-imds --check-config --config /etc/audit/audisp-imds.toml

# --------------------------------------------------------------- purge
if DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PKG" >"$WORK/purge.log" 2>&1 </dev/null; then
  ok "apt-get purge $PKG"
else
  not_ok "apt-get purge $PKG" "$(log_tail "$WORK/purge.log")"
fi
not_known() { ! dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -qv not-installed; }
check_output "dpkg no longer knows $PKG" not_known
nothing_left() {
  local left=() entry path
  for entry in "${EXPECTED_FILES[@]}"; do
    read -r path _ <<<"$entry"
    [[ -e $path ]] && left+=("$path")
  done
  for path in /usr/share/audisp-imds /usr/share/doc/audisp-imds /etc/audit/audisp-imds.toml.dpkg-dist \
    /etc/audit/audisp-imds.toml.dpkg-old; do
    [[ -e $path ]] && left+=("$path")
  done
  while IFS= read -r path; do left+=("$path"); done < <(find /etc/audit -name '*audisp-imds*')
  ((${#left[@]} == 0)) || { printf 'left behind: %s\n' "${left[@]}" | sort -u; return 1; }
}
check_output "everything the package made is gone, local edits and .dpkg-dist included" nothing_left
etc_audit_unchanged() {
  etc_audit_snapshot >"$WORK/etc-audit.after"
  diff "$WORK/etc-audit.before" "$WORK/etc-audit.after"
}
check_output "/etc/audit and auditd's own files are exactly as before the install" etc_audit_unchanged

echo "1..$n"
printf '# %d checks in %.0f s\n' "$n" "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')"
((failed == 0))
