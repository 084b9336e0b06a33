// Turns one libauparse event into the EcsEvent the rules read: exec
// (execve/execveat that succeeded) and connect (any result, AF_INET/AF_INET6
// destination). Everything else is dropped as early as possible, from the
// SYSCALL record's arch and syscall number alone, because most of what
// auditd sends is of no interest and the builder runs for every event.
//
// The process layer fills what only the process table knows (entity ids,
// parent and entry-leader executables); this layer leaves those empty.
#ifndef AUDISP_IMDS_AUDIT_EVENT_BUILDER_H
#define AUDISP_IMDS_AUDIT_EVENT_BUILDER_H

#include <auparse.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "audit/syscall_classifier.h"
#include "event/ecs_event.h"

namespace imds {

// host.id / host.name for events without node=.
struct HostIdentity {
  std::string id;
  std::string name;
};

// What one Build() call decided, for the input layer's counters.
enum class BuildOutcome {
  kIgnored,    // not an exec/connect event (the common case)
  kBuilt,      // an EcsEvent was produced
  kMalformed,  // looked like exec/connect but could not be decoded
};

class EventBuilder {
 public:
  // The latest audit time taken: 9999-12-31T23:59:59Z. Later (or negative)
  // times are malformed: no kernel writes them, and milliseconds since the
  // epoch and calendar dates must be representable for every event.
  static constexpr int64_t kMaxAuditSeconds = 253402300799;

  explicit EventBuilder(HostIdentity local_host);

  // `au` is positioned on one event, as in an AUSOURCE_FEED callback. The
  // cursor is moved (records and fields); nothing is kept after the call.
  std::optional<EcsEvent> Build(auparse_state_t* au, BuildOutcome* outcome = nullptr);

  const HostIdentity& local_host() const { return local_host_; }

 private:
  HostIdentity local_host_;
  SyscallClassifier classifier_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_AUDIT_EVENT_BUILDER_H
