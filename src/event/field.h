// The ECS fields the plugin can supply to a rule, by name. A rule naming any
// other field is refused when it is loaded: the plugin never silently treats
// an unknown field as null.
#ifndef AUDISP_IMDS_EVENT_FIELD_H
#define AUDISP_IMDS_EVENT_FIELD_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event/ecs_event.h"

namespace imds {

enum class FieldId {
  kHostId,
  kHostName,
  kHostOsType,
  kEventType,
  kEventAction,
  kEventCategory,
  kProcessPid,
  kProcessName,
  kProcessExecutable,
  kProcessArgs,
  kProcessArgsCount,
  kProcessCommandLine,
  kProcessWorkingDirectory,
  kProcessEntityId,
  kProcessParentPid,
  kProcessParentName,
  kProcessParentExecutable,
  kProcessParentEntityId,
  kProcessEntryLeaderExecutable,
  kUserId,
  kDestinationIp,
  kDestinationPort,
};

// All known fields, for listings (--check-config, man page tests).
const std::vector<FieldId>& AllFields();

// "process.parent.executable" -> kProcessParentExecutable; nullopt when the
// plugin cannot supply the field.
std::optional<FieldId> FieldFromName(std::string_view ecs_name);
std::string_view FieldName(FieldId id);

// The values of one field of one event. Empty means null. A multi-valued
// field (process.executable, process.args) yields several values. Numbers
// are rendered in decimal. Views stay valid while both the event and this
// object live; the object is neither copyable nor movable for that reason.
class FieldValues {
 public:
  FieldValues() = default;
  FieldValues(const FieldValues&) = delete;
  FieldValues& operator=(const FieldValues&) = delete;

  bool is_null() const { return values_.empty(); }
  const std::vector<std::string_view>& values() const { return values_; }

 private:
  friend void CollectFieldValues(const EcsEvent&, FieldId, FieldValues&);
  std::vector<std::string_view> values_;
  std::vector<std::string> storage_;  // names and numbers computed on demand
};

// Fills `out` (cleared first) with the values of `field` in `event`.
void CollectFieldValues(const EcsEvent& event, FieldId field, FieldValues& out);

}  // namespace imds

#endif  // AUDISP_IMDS_EVENT_FIELD_H
