// The value type every stage agrees on: one audit event, already mapped to
// the Elastic Common Schema fields the detection rules read.
//
// The audit layer fills the raw parts (pid, args, sockaddr...), the process
// layer fills what only the process table knows (entity ids, parent and
// entry-leader executables), the rule layer only reads it through
// CollectFieldValues() in field.h, and the output layer formats it.
#ifndef AUDISP_IMDS_EVENT_ECS_EVENT_H
#define AUDISP_IMDS_EVENT_ECS_EVENT_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imds {

// Identity of one audit event: msg=audit(SECONDS.MILLIS:SERIAL).
// Events are ordered by time, then serial (see semantics.md).
struct AuditStamp {
  int64_t seconds = 0;
  uint32_t millis = 0;  // 0..999
  uint64_t serial = 0;

  int64_t EpochMillis() const { return seconds * 1000 + millis; }
  friend bool operator<(const AuditStamp& a, const AuditStamp& b) {
    if (a.EpochMillis() != b.EpochMillis()) return a.EpochMillis() < b.EpochMillis();
    return a.serial < b.serial;
  }
  friend bool operator==(const AuditStamp& a, const AuditStamp& b) {
    return a.seconds == b.seconds && a.millis == b.millis && a.serial == b.serial;
  }
  friend bool operator!=(const AuditStamp& a, const AuditStamp& b) { return !(a == b); }
};

enum class EventCategory : uint8_t {
  kProcess,  // exec: event.type == "start", event.action == "exec"
  kNetwork,  // connect: event.action == "connection_attempted"
};

struct EcsEvent {
  EventCategory category = EventCategory::kProcess;
  AuditStamp stamp;

  // host.id / host.name: node= when present, else this host. host.os.type is
  // always "linux" and so is not stored.
  std::string host_id;
  std::string host_name;

  // --- process.* (the process that exec'd, or that called connect) ---
  int64_t pid = -1;
  int64_t ppid = -1;
  // The canonical path first (exe=, or a `#!` script's own path), then the
  // path as typed only when it was relative (event/exec_image.h).
  // process.name is the basename of the first value only.
  std::vector<std::string> executable;
  // A `#!` script's interpreter (the kernel's exe=); not an ECS field.
  std::optional<std::string> interpreter;
  std::vector<std::string> args;  // decoded EXECVE a0..aN (or PROCTITLE)
  std::string command_line;       // args joined by single spaces
  std::optional<std::string> working_directory;  // CWD cwd=
  std::optional<std::string> entity_id;
  std::optional<int64_t> uid;
  std::optional<int64_t> session_id;  // ses=, absent when unset (4294967295)

  // --- process.parent.* and process.entry_leader.* (from the process table) ---
  std::optional<std::string> parent_executable;
  std::optional<std::string> parent_entity_id;
  std::optional<std::string> entry_leader_executable;

  // --- network (connect) ---
  std::string destination_ip;         // dotted quad or RFC 5952 text
  std::optional<int64_t> destination_port;
  std::string syscall_result;         // "success" or the errno name, e.g. "EINPROGRESS"

  // A connect to an address no loaded rule names: it only feeds the process
  // table (audit/event_builder.h, Triage), no rule is asked.
  bool table_only = false;
};

// Basename of a path ("/usr/bin/curl" -> "curl"; "curl" -> "curl").
std::string BaseName(const std::string& path);

}  // namespace imds

#endif  // AUDISP_IMDS_EVENT_ECS_EVENT_H
