// Least privilege. auditd starts its plugins as root with every capability;
// after start-up this plugin needs exactly one: CAP_SYS_PTRACE, because
// readlink(/proc/PID/exe) of another user's process is a ptrace-mode access.
// Everything else it touches (stdin, its syslog socket, its own files under
// /etc/audit and the alert file it opened) is reachable as uid 0 without
// capabilities. It never executes anything, so no_new_privs costs nothing.
#ifndef AUDISP_IMDS_APP_PRIVILEGES_H
#define AUDISP_IMDS_APP_PRIVILEGES_H

#include <optional>
#include <string>

namespace imds {

// keep_ptrace: true in live mode (parents looked up in /proc), false for a
// replay, which keeps nothing. Returns an error message, or nullopt; when
// the process has no capabilities to begin with (a user replaying a file)
// there is nothing to drop and nothing fails.
std::optional<std::string> DropPrivileges(bool keep_ptrace);

// What the process holds now, for --check-config and status ("none",
// "sys_ptrace", "full").
std::string DescribeCapabilities();

}  // namespace imds

#endif  // AUDISP_IMDS_APP_PRIVILEGES_H
