#include "event/field.h"

#include <array>
#include <utility>

namespace imds {

std::string BaseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

namespace {

constexpr std::array<std::pair<FieldId, std::string_view>, 22> kFieldNames = {{
    {FieldId::kHostId, "host.id"},
    {FieldId::kHostName, "host.name"},
    {FieldId::kHostOsType, "host.os.type"},
    {FieldId::kEventType, "event.type"},
    {FieldId::kEventAction, "event.action"},
    {FieldId::kEventCategory, "event.category"},
    {FieldId::kProcessPid, "process.pid"},
    {FieldId::kProcessName, "process.name"},
    {FieldId::kProcessExecutable, "process.executable"},
    {FieldId::kProcessArgs, "process.args"},
    {FieldId::kProcessArgsCount, "process.args_count"},
    {FieldId::kProcessCommandLine, "process.command_line"},
    {FieldId::kProcessWorkingDirectory, "process.working_directory"},
    {FieldId::kProcessEntityId, "process.entity_id"},
    {FieldId::kProcessParentPid, "process.parent.pid"},
    {FieldId::kProcessParentName, "process.parent.name"},
    {FieldId::kProcessParentExecutable, "process.parent.executable"},
    {FieldId::kProcessParentEntityId, "process.parent.entity_id"},
    {FieldId::kProcessEntryLeaderExecutable, "process.entry_leader.executable"},
    {FieldId::kUserId, "user.id"},
    {FieldId::kDestinationIp, "destination.ip"},
    {FieldId::kDestinationPort, "destination.port"},
}};

}  // namespace

const std::vector<FieldId>& AllFields() {
  static const std::vector<FieldId> all = [] {
    std::vector<FieldId> v;
    for (const auto& entry : kFieldNames) v.push_back(entry.first);
    return v;
  }();
  return all;
}

std::optional<FieldId> FieldFromName(std::string_view ecs_name) {
  for (const auto& entry : kFieldNames) {
    if (entry.second == ecs_name) return entry.first;
  }
  return std::nullopt;
}

std::string_view FieldName(FieldId id) {
  for (const auto& entry : kFieldNames) {
    if (entry.first == id) return entry.second;
  }
  return "?";
}

void CollectFieldValues(const EcsEvent& e, FieldId field, FieldValues& out) {
  out.values_.clear();
  out.storage_.clear();
  const bool is_process = e.category == EventCategory::kProcess;
  // Computed strings go to storage_ first; views are taken only once it no
  // longer grows, so no view can point into a moved small string.
  auto computed = [&out](std::string s) { out.storage_.push_back(std::move(s)); };
  auto view = [&out](const std::string& s) { out.values_.emplace_back(s); };
  auto opt = [&view](const std::optional<std::string>& s) {
    if (s) view(*s);
  };

  switch (field) {
    case FieldId::kHostId:
      if (!e.host_id.empty()) view(e.host_id);
      return;
    case FieldId::kHostName:
      if (!e.host_name.empty()) view(e.host_name);
      return;
    case FieldId::kHostOsType:
      out.values_.emplace_back("linux");
      return;
    case FieldId::kEventType:
      if (is_process) out.values_.emplace_back("start");
      return;
    case FieldId::kEventAction:
      out.values_.emplace_back(is_process ? "exec" : "connection_attempted");
      return;
    case FieldId::kEventCategory:
      out.values_.emplace_back(is_process ? "process" : "network");
      return;
    case FieldId::kProcessPid:
      if (e.pid >= 0) computed(std::to_string(e.pid));
      break;
    case FieldId::kProcessName:
      if (!e.executable.empty()) computed(BaseName(e.executable.front()));
      break;
    case FieldId::kProcessExecutable:
      for (const auto& exe : e.executable) view(exe);
      return;
    case FieldId::kProcessArgs:
      for (const auto& arg : e.args) view(arg);
      return;
    case FieldId::kProcessArgsCount:
      if (is_process) computed(std::to_string(e.args.size()));
      break;
    case FieldId::kProcessCommandLine:
      if (is_process) view(e.command_line);
      return;
    case FieldId::kProcessWorkingDirectory:
      opt(e.working_directory);
      return;
    case FieldId::kProcessEntityId:
      opt(e.entity_id);
      return;
    case FieldId::kProcessParentPid:
      if (e.ppid >= 0) computed(std::to_string(e.ppid));
      break;
    case FieldId::kProcessParentName:
      if (e.parent_executable) computed(BaseName(*e.parent_executable));
      break;
    case FieldId::kProcessParentExecutable:
      opt(e.parent_executable);
      return;
    case FieldId::kProcessParentEntityId:
      opt(e.parent_entity_id);
      return;
    case FieldId::kProcessEntryLeaderExecutable:
      opt(e.entry_leader_executable);
      return;
    case FieldId::kUserId:
      if (e.uid) computed(std::to_string(*e.uid));
      break;
    case FieldId::kDestinationIp:
      if (!is_process && !e.destination_ip.empty()) view(e.destination_ip);
      return;
    case FieldId::kDestinationPort:
      if (!is_process && e.destination_port) computed(std::to_string(*e.destination_port));
      break;
  }
  for (const auto& s : out.storage_) out.values_.emplace_back(s);
}

}  // namespace imds
