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
#include <string_view>
#include <unordered_map>
#include <vector>

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

// What Triage() made of one whole event's records, before libauparse.
enum class Triage {
  kBuild,       // hand it to libauparse and Build()
  kNotAnEvent,  // Build() would make nothing of it (no attempt, no inet address)
  kTableOnly,   // a connect no rule can match: `light` holds what the process table needs
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

  // The destination addresses some rule's network stage requires
  // (RuleSet::NetworkDestinations); nullopt: any address may matter.
  void SetNeededDestinations(std::optional<std::vector<std::string>> exact,
                             std::vector<std::string> ignoring_case = {});

  // Decides, from one whole event's record text (lines as the input stage
  // assembled them), whether libauparse needs to see it: only a connect is
  // ever decided here, from its SYSCALL and SOCKADDR text. For kTableOnly,
  // `light` gets the fields Build() would give (pid, ppid, uid, ses, exe,
  // stamp, host, destination, result) and table_only set.
  Triage TriageRecords(std::string_view records, EcsEvent& light);

 private:
  HostIdentity local_host_;
  SyscallClassifier classifier_;
  bool any_destination_ = true;
  std::vector<std::string> exact_destinations_;
  std::vector<std::string> folded_destinations_;  // lower case, for ':'
};

}  // namespace imds

#endif  // AUDISP_IMDS_AUDIT_EVENT_BUILDER_H
