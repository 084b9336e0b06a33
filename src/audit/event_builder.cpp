#include "audit/event_builder.h"

#include <libaudit.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/decode.h"
#include "event/exec_image.h"

namespace imds {

namespace {

// ses= of a process that never logged in (AUDIT_SESSION unset).
constexpr int64_t kUnsetSession = 4294967295;
// The cache only ever holds the (arch, syscall) pairs the audit rules let
// through; a bound keeps garbage input from growing it.
// socketcall(2)'s call number for connect (SYS_CONNECT), the same on every
// architecture that has socketcall.
constexpr uint64_t kSysConnect = 3;

std::string_view FieldName(auparse_state_t* au) {
  const char* name = auparse_get_field_name(au);
  return name ? std::string_view(name) : std::string_view();
}

std::string_view FieldValue(auparse_state_t* au) {
  const char* value = auparse_get_field_str(au);
  return value ? std::string_view(value) : std::string_view();
}

// The SYSCALL record's fields this layer reads, as raw text.
struct SyscallFields {
  std::string_view arch, syscall, success, exit, a0, pid, ppid, uid, ses, exe;
  bool have_arch = false, have_syscall = false;

  // `au` is on a field named `name`; its value is fetched (a strlen) only
  // when the name is one of the ten read here: most of the 26 are not.
  void Take(std::string_view name, auparse_state_t* au) {
    if (name.empty()) return;
    switch (name[0]) {
      case 'a':
        if (name == "arch") {
          arch = FieldValue(au);
          have_arch = true;
        } else if (name == "a0") {
          a0 = FieldValue(au);
        }
        break;
      case 's':
        if (name == "syscall") {
          syscall = FieldValue(au);
          have_syscall = true;
        } else if (name == "success") {
          success = FieldValue(au);
        } else if (name == "ses") {
          ses = FieldValue(au);
        }
        break;
      case 'e':
        if (name == "exit") {
          exit = FieldValue(au);
        } else if (name == "exe") {
          exe = FieldValue(au);
        }
        break;
      case 'p':
        if (name == "pid") {
          pid = FieldValue(au);
        } else if (name == "ppid") {
          ppid = FieldValue(au);
        }
        break;
      case 'u':
        if (name == "uid") uid = FieldValue(au);
        break;
      default:
        break;
    }
  }
};

// Moves the cursor to the event's SYSCALL record. It is the first record of
// a kernel syscall event, but AVC and similar records may precede it.
bool GotoSyscallRecord(auparse_state_t* au) {
  if (auparse_first_record(au) <= 0) return false;
  do {
    if (auparse_get_type(au) == AUDIT_SYSCALL) return true;
  } while (auparse_next_record(au) > 0);
  return false;
}

// The first saddr= of the event's SOCKADDR records, decoded. A connect is
// decided by it alone, so it is read before anything else of the event.
struct SaddrResult {
  bool present = false;  // some SOCKADDR record had saddr=
  bool hex = false;      // ... and it was hex text
  std::optional<SocketAddress> address;  // AF_INET/AF_INET6 only
};

SaddrResult ReadSaddr(auparse_state_t* au, bool big_endian) {
  SaddrResult out;
  if (auparse_first_record(au) <= 0) return out;
  do {
    if (auparse_get_type(au) != AUDIT_SOCKADDR || auparse_first_field(au) <= 0) continue;
    do {
      if (FieldName(au) != "saddr") continue;
      // Decoded here: the value lives in the record the cursor is on.
      const std::string_view value = FieldValue(au);
      out.present = true;
      out.hex = IsHexEncoded(value);
      if (out.hex) out.address = DecodeSockaddr(value, big_endian);
      return out;
    } while (auparse_next_field(au) > 0);
  } while (auparse_next_record(au) > 0);
  return out;
}

// The records after SYSCALL that an exec or connect event draws on (the
// SOCKADDR is read apart, by ReadSaddr).
struct AuxRecords {
  ExecveArgsAssembler execve;
  std::optional<std::string> cwd;
  // PATH item=0 and item=1 name= (the file handed to execve; a script's
  // interpreter or a binary's ELF loader).
  std::optional<std::string> path_name[2];
  bool have_path[2] = {false, false};
  bool have_proctitle = false;
  // The first proctitle=: decoded at once for a connect (its only use);
  // kept raw for an exec, whose EXECVE normally wins (PROCTITLE comes after
  // EXECVE, so it is not even copied then).
  std::vector<std::string> proctitle_args;
  std::string proctitle_raw;
};

// Only the first of each kind counts (cwd=, PATH item 0 and 1 name=, proctitle=),
// so a record whose kind is already taken is skipped unread, and a record is
// left once its value is taken.
void ReadAuxRecords(auparse_state_t* au, bool is_exec, AuxRecords& aux) {
  if (auparse_first_record(au) <= 0) return;
  do {
    const int type = auparse_get_type(au);
    switch (type) {
      case AUDIT_EXECVE:
        break;
      case AUDIT_CWD:
        if (aux.cwd) continue;
        break;
      case AUDIT_PATH:
        if (!is_exec || (aux.have_path[0] && aux.have_path[1])) continue;
        break;
      case AUDIT_PROCTITLE:
        // An exec that has EXECVE takes its arguments from there.
        if (aux.have_proctitle || (is_exec && aux.execve.saw_execve())) continue;
        break;
      default:
        continue;
    }
    if (auparse_first_field(au) <= 0) continue;
    int path_item = -1;  // 0 or 1 once item= says so
    do {
      const std::string_view name = FieldName(au);
      switch (type) {
        case AUDIT_EXECVE:
          aux.execve.AddField(name, FieldValue(au));
          break;
        case AUDIT_CWD:
          if (name == "cwd") {
            aux.cwd = DecodeAuditString(FieldValue(au));
            if (aux.cwd) goto next_record;  // cwd=(null) lets a later one count
          }
          break;
        case AUDIT_PATH:
          if (name == "item") {
            const std::string_view item = FieldValue(au);
            path_item = item == "0" ? 0 : item == "1" ? 1 : -1;
            if (path_item < 0 || aux.have_path[path_item]) goto next_record;
          } else if (name == "name" && path_item >= 0) {
            aux.have_path[path_item] = true;
            aux.path_name[path_item] = DecodeAuditString(FieldValue(au));
            goto next_record;
          }
          break;
        case AUDIT_PROCTITLE:
          if (name == "proctitle") {
            aux.have_proctitle = true;
            if (is_exec) {
              aux.proctitle_raw = std::string(FieldValue(au));
            } else {
              aux.proctitle_args = DecodeProctitle(FieldValue(au));
            }
            goto next_record;
          }
          break;
        default:
          break;
      }
    } while (auparse_next_field(au) > 0);
  next_record:;
  } while (auparse_next_record(au) > 0);
}

}  // namespace

EventBuilder::EventBuilder(HostIdentity local_host) : local_host_(std::move(local_host)) {}

std::optional<EcsEvent> EventBuilder::Build(auparse_state_t* au, BuildOutcome* outcome) {
  BuildOutcome ignored_outcome;
  BuildOutcome& result = outcome ? *outcome : ignored_outcome;
  result = BuildOutcome::kIgnored;
  if (au == nullptr || !GotoSyscallRecord(au)) return std::nullopt;

  // Decide from arch + syscall before reading anything else: they are the
  // first fields, so an uninteresting event costs two field steps.
  SyscallFields sc;
  if (auparse_first_field(au) <= 0) return std::nullopt;
  SyscallKind kind = SyscallKind::kOther;
  bool classified = false;
  do {
    sc.Take(FieldName(au), au);
    if (!classified && sc.have_arch && sc.have_syscall) {
      classified = true;
      const std::optional<uint64_t> arch = ParseHex(sc.arch);
      const std::optional<int64_t> number = ParseDecimal(sc.syscall);
      if (!arch || *arch > 0xffffffffu || !number) return std::nullopt;
      kind = classifier_.Classify(static_cast<uint32_t>(*arch), *number);
      if (kind == SyscallKind::kOther) return std::nullopt;
    }
  } while (auparse_next_field(au) > 0);
  if (!classified) return std::nullopt;

  const bool success = sc.success == "yes";
  if (kind == SyscallKind::kExec && !success) return std::nullopt;
  if (kind == SyscallKind::kSocketcall) {
    const std::optional<uint64_t> call = ParseHex(sc.a0);
    if (!call || *call != kSysConnect) return std::nullopt;
    kind = SyscallKind::kConnect;
  }
  if (kind == SyscallKind::kConnect && !IsConnectAttempt(success, sc.exit)) return std::nullopt;

  const au_event_t* stamp = auparse_get_timestamp(au);
  const std::optional<int64_t> pid = ParseDecimal(sc.pid);
  // libauparse takes any digits for the seconds; a time after the year
  // 9999 (or one that wrapped negative) is not the kernel's, and would
  // overflow the rule's milliseconds (fuzz_feed, UBSan).
  if (stamp == nullptr || stamp->milli > 999 || stamp->sec < 0 || stamp->sec > kMaxAuditSeconds || !pid) {
    result = BuildOutcome::kMalformed;
    return std::nullopt;
  }

  // A connect is decided by its address alone: read it before the rest of
  // the event, and stop there for AF_UNIX, AF_NETLINK...
  EcsEvent event;
  if (kind == SyscallKind::kConnect) {
    const uint32_t arch = static_cast<uint32_t>(ParseHex(sc.arch).value_or(0));
    SaddrResult saddr = ReadSaddr(au, IsBigEndianAuditArch(arch));
    if (!saddr.present) return std::nullopt;  // the address was never copied in
    if (!saddr.hex) {
      result = BuildOutcome::kMalformed;
      return std::nullopt;
    }
    if (!saddr.address) return std::nullopt;  // AF_UNIX, AF_NETLINK...: not a network event
    event.category = EventCategory::kNetwork;
    event.destination_ip = std::move(saddr.address->ip);
    event.destination_port = saddr.address->port;
    event.syscall_result = SyscallResult(success, sc.exit);
  } else {
    event.category = EventCategory::kProcess;
  }

  AuxRecords aux;
  const bool is_exec = kind == SyscallKind::kExec;
  ReadAuxRecords(au, is_exec, aux);

  event.stamp.seconds = static_cast<int64_t>(stamp->sec);
  event.stamp.millis = stamp->milli;
  event.stamp.serial = stamp->serial;
  if (stamp->host != nullptr && stamp->host[0] != '\0') {
    event.host_id = stamp->host;
    event.host_name = stamp->host;
  } else {
    event.host_id = local_host_.id;
    event.host_name = local_host_.name;
  }

  event.pid = *pid;
  event.ppid = ParseDecimal(sc.ppid).value_or(-1);
  event.uid = ParseDecimal(sc.uid);
  if (auto ses = ParseDecimal(sc.ses); ses && *ses >= 0 && *ses != kUnsetSession) event.session_id = ses;

  std::optional<std::string> exe = DecodeAuditString(sc.exe);
  if (sc.exe.empty()) exe.reset();

  const bool have_execve = is_exec && aux.execve.saw_execve();
  if (have_execve) {
    event.args = aux.execve.TakeArgs();
  } else if (aux.have_proctitle) {
    event.args = is_exec ? DecodeProctitle(aux.proctitle_raw) : std::move(aux.proctitle_args);
  }
  event.command_line = JoinArgs(event.args);

  if (is_exec) {
    // A script is told apart by EXECVE's arguments only: PROCTITLE may be
    // the previous image's (the kernel caches it per process).
    static const std::vector<std::string> kNoArgs;
    ExecImage image = ImageFromExecRecords(exe.value_or(std::string()), aux.path_name[0], aux.path_name[1],
                                           have_execve ? event.args : kNoArgs, aux.cwd);
    if (!image.executable.empty()) event.executable.push_back(std::move(image.executable));
    if (image.relative_spelling) event.executable.push_back(std::move(*image.relative_spelling));
    event.interpreter = std::move(image.interpreter);
  } else if (exe && !exe->empty()) {
    event.executable.push_back(*exe);
  }
  if (aux.cwd) event.working_directory = std::move(aux.cwd);

  result = BuildOutcome::kBuilt;
  return event;
}

namespace {

// The first value of field `name` in a record body, up to the next space.
// The kernel writes its numeric fields before comm= and exe=, and
// hex-encodes any value holding a space, so the first occurrence is the
// kernel's.
std::string_view FirstValue(std::string_view body, std::string_view name) {
  size_t from = std::string_view::npos;
  if (body.size() > name.size() && body.substr(0, name.size()) == name && body[name.size()] == '=') {
    from = name.size() + 1;
  } else {
    for (size_t at = body.find(name); at != std::string_view::npos; at = body.find(name, at + 1)) {
      if (at > 0 && body[at - 1] == ' ' && at + name.size() < body.size() && body[at + name.size()] == '=') {
        from = at + name.size() + 1;
        break;
      }
    }
  }
  if (from == std::string_view::npos) return {};
  const size_t end = std::min(body.find(' ', from), body.size());
  return body.substr(from, end - from);
}

struct RecordText {
  std::string_view node;   // without "node="
  std::string_view type;
  std::string_view stamp;  // SECONDS.MILLIS:SERIAL
  std::string_view body;   // after "): "
};

// The input stage only assembles lines it parsed as records.
std::optional<RecordText> SplitRecord(std::string_view line) {
  RecordText r;
  if (line.substr(0, 5) == "node=") {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    r.node = line.substr(5, space - 5);
    line.remove_prefix(space + 1);
  }
  if (line.substr(0, 5) != "type=") return std::nullopt;
  const size_t space = line.find(' ');
  const size_t open = line.find("msg=audit(");
  const size_t close = line.find(')');
  if (space == std::string_view::npos || open == std::string_view::npos || close == std::string_view::npos ||
      close < open) {
    return std::nullopt;
  }
  r.type = line.substr(5, space - 5);
  r.stamp = line.substr(open + 10, close - open - 10);
  r.body = line.substr(std::min(close + 2, line.size()));
  return r;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

void EventBuilder::SetNeededDestinations(std::optional<std::vector<std::string>> exact,
                                         std::vector<std::string> ignoring_case) {
  any_destination_ = !exact.has_value();
  exact_destinations_ = exact.value_or(std::vector<std::string>());
  folded_destinations_.clear();
  for (const std::string& d : ignoring_case) folded_destinations_.push_back(Lower(d));
}

Triage EventBuilder::TriageRecords(std::string_view records, EcsEvent& light) {
  std::optional<RecordText> syscall;
  std::string_view saddr;
  bool have_saddr = false;
  for (size_t at = 0; at < records.size();) {
    const size_t end = std::min(records.find('\n', at), records.size());
    const std::optional<RecordText> r = SplitRecord(records.substr(at, end - at));
    at = end + 1;
    if (!r) continue;
    if (r->type == "SYSCALL" && !syscall) {
      syscall = r;
    } else if (r->type == "SOCKADDR" && !have_saddr) {
      saddr = FirstValue(r->body, "saddr");
      have_saddr = !saddr.empty();
    }
  }
  if (!syscall) return Triage::kBuild;
  const std::string_view sc = syscall->body;
  const std::optional<uint64_t> arch = ParseHex(FirstValue(sc, "arch"));
  const std::optional<int64_t> number = ParseDecimal(FirstValue(sc, "syscall"));
  if (!arch || *arch > 0xffffffffu || !number) return Triage::kBuild;
  const SyscallKind kind = classifier_.Classify(static_cast<uint32_t>(*arch), *number);
  if (kind != SyscallKind::kConnect && kind != SyscallKind::kSocketcall) return Triage::kBuild;
  if (kind == SyscallKind::kSocketcall) {
    const std::optional<uint64_t> call = ParseHex(FirstValue(sc, "a0"));
    if (!call || *call != kSysConnect) return Triage::kNotAnEvent;
  }
  const bool success = FirstValue(sc, "success") == "yes";
  const std::string_view exit = FirstValue(sc, "exit");
  if (!IsConnectAttempt(success, exit)) return Triage::kNotAnEvent;
  if (!have_saddr) return Triage::kNotAnEvent;
  if (!IsHexEncoded(saddr)) return Triage::kBuild;  // Build() counts it as malformed
  std::optional<SocketAddress> address = DecodeSockaddr(saddr, IsBigEndianAuditArch(static_cast<uint32_t>(*arch)));
  if (!address) return Triage::kNotAnEvent;  // AF_UNIX, AF_NETLINK...
  if (any_destination_) return Triage::kBuild;
  if (std::find(exact_destinations_.begin(), exact_destinations_.end(), address->ip) != exact_destinations_.end() ||
      std::find(folded_destinations_.begin(), folded_destinations_.end(), Lower(address->ip)) !=
          folded_destinations_.end()) {
    return Triage::kBuild;
  }

  // What Build() would give; anything it would refuse goes to Build().
  const std::optional<int64_t> pid = ParseDecimal(FirstValue(sc, "pid"));
  const size_t dot = syscall->stamp.find('.');
  const size_t colon = syscall->stamp.find(':');
  if (!pid || dot == std::string_view::npos || colon == std::string_view::npos || colon < dot) return Triage::kBuild;
  const std::optional<int64_t> seconds = ParseDecimal(syscall->stamp.substr(0, dot));
  const std::optional<int64_t> millis = ParseDecimal(syscall->stamp.substr(dot + 1, colon - dot - 1));
  const std::optional<int64_t> serial = ParseDecimal(syscall->stamp.substr(colon + 1));
  if (!seconds || !millis || !serial || *seconds < 0 || *seconds > kMaxAuditSeconds || *millis < 0 ||
      *millis > 999 || *serial < 0 || colon - dot - 1 != 3) {
    return Triage::kBuild;
  }
  light = EcsEvent();
  light.category = EventCategory::kNetwork;
  light.table_only = true;
  light.stamp.seconds = *seconds;
  light.stamp.millis = static_cast<uint32_t>(*millis);
  light.stamp.serial = static_cast<uint64_t>(*serial);
  if (!syscall->node.empty()) {
    light.host_id = std::string(syscall->node);
    light.host_name = light.host_id;
  } else {
    light.host_id = local_host_.id;
    light.host_name = local_host_.name;
  }
  light.pid = *pid;
  light.ppid = ParseDecimal(FirstValue(sc, "ppid")).value_or(-1);
  light.uid = ParseDecimal(FirstValue(sc, "uid"));
  if (auto ses = ParseDecimal(FirstValue(sc, "ses")); ses && *ses >= 0 && *ses != kUnsetSession) {
    light.session_id = ses;
  }
  const std::string_view exe_raw = FirstValue(sc, "exe");
  if (!exe_raw.empty()) {
    if (std::optional<std::string> exe = DecodeAuditString(exe_raw); exe && !exe->empty()) {
      light.executable.push_back(std::move(*exe));
    }
  }
  light.destination_ip = std::move(address->ip);
  light.destination_port = address->port;
  light.syscall_result = SyscallResult(success, exit);
  return Triage::kTableOnly;
}

}  // namespace imds
