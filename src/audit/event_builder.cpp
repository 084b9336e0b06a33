#include "audit/event_builder.h"

#include <libaudit.h>
#include <sys/socket.h>

#include <cstring>
#include <string_view>
#include <utility>

#include "audit/decode.h"

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

  void Take(std::string_view name, std::string_view value) {
    if (name.empty()) return;
    switch (name[0]) {
      case 'a':
        if (name == "arch") {
          arch = value;
          have_arch = true;
        } else if (name == "a0") {
          a0 = value;
        }
        break;
      case 's':
        if (name == "syscall") {
          syscall = value;
          have_syscall = true;
        } else if (name == "success") {
          success = value;
        } else if (name == "ses") {
          ses = value;
        }
        break;
      case 'e':
        if (name == "exit") {
          exit = value;
        } else if (name == "exe") {
          exe = value;
        }
        break;
      case 'p':
        if (name == "pid") {
          pid = value;
        } else if (name == "ppid") {
          ppid = value;
        }
        break;
      case 'u':
        if (name == "uid") uid = value;
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

// The records after SYSCALL that an exec or connect event draws on.
struct AuxRecords {
  ExecveArgsAssembler execve;
  std::optional<std::string> cwd;
  std::optional<std::string> path0_name;  // PATH item=0 name=
  bool have_path0 = false;
  std::string saddr;
  bool have_saddr = false;
  std::string proctitle;
  bool have_proctitle = false;
};

void ReadAuxRecords(auparse_state_t* au, AuxRecords& aux) {
  if (auparse_first_record(au) <= 0) return;
  do {
    const int type = auparse_get_type(au);
    if (type != AUDIT_EXECVE && type != AUDIT_CWD && type != AUDIT_PATH && type != AUDIT_SOCKADDR &&
        type != AUDIT_PROCTITLE) {
      continue;
    }
    if (auparse_first_field(au) <= 0) continue;
    bool path_is_item0 = false;
    do {
      const std::string_view name = FieldName(au);
      const std::string_view value = FieldValue(au);
      switch (type) {
        case AUDIT_EXECVE:
          aux.execve.AddField(name, value);
          break;
        case AUDIT_CWD:
          if (name == "cwd" && !aux.cwd) aux.cwd = DecodeAuditString(value);
          break;
        case AUDIT_PATH:
          if (name == "item") {
            path_is_item0 = value == "0";
          } else if (name == "name" && path_is_item0 && !aux.have_path0) {
            aux.have_path0 = true;
            aux.path0_name = DecodeAuditString(value);
          }
          break;
        case AUDIT_SOCKADDR:
          if (name == "saddr" && !aux.have_saddr) {
            aux.have_saddr = true;
            aux.saddr = std::string(value);
          }
          break;
        case AUDIT_PROCTITLE:
          if (name == "proctitle" && !aux.have_proctitle) {
            aux.have_proctitle = true;
            aux.proctitle = std::string(value);
          }
          break;
        default:
          break;
      }
    } while (auparse_next_field(au) > 0);
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
    sc.Take(FieldName(au), FieldValue(au));
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

  const au_event_t* stamp = auparse_get_timestamp(au);
  const std::optional<int64_t> pid = ParseDecimal(sc.pid);
  if (stamp == nullptr || stamp->milli > 999 || !pid) {
    result = BuildOutcome::kMalformed;
    return std::nullopt;
  }

  AuxRecords aux;
  ReadAuxRecords(au, aux);

  EcsEvent event;
  if (kind == SyscallKind::kConnect) {
    if (!aux.have_saddr) return std::nullopt;  // the address was never copied in
    if (!IsHexEncoded(aux.saddr)) {
      result = BuildOutcome::kMalformed;
      return std::nullopt;
    }
    const uint32_t arch = static_cast<uint32_t>(ParseHex(sc.arch).value_or(0));
    std::optional<SocketAddress> address = DecodeSockaddr(aux.saddr, IsBigEndianAuditArch(arch));
    if (!address) return std::nullopt;  // AF_UNIX, AF_NETLINK...: not a network event
    event.category = EventCategory::kNetwork;
    event.destination_ip = std::move(address->ip);
    event.destination_port = address->port;
    event.syscall_result = SyscallResult(success, sc.exit);
  } else {
    event.category = EventCategory::kProcess;
  }

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
  if (exe && !exe->empty()) event.executable.push_back(*exe);
  if (kind == SyscallKind::kExec && aux.path0_name && !aux.path0_name->empty() &&
      (!exe || *aux.path0_name != *exe)) {
    // The path handed to execve (./tool, a shebang script) as given.
    event.executable.push_back(*aux.path0_name);
  }

  if (kind == SyscallKind::kExec && aux.execve.saw_execve()) {
    event.args = aux.execve.TakeArgs();
  } else if (aux.have_proctitle) {
    event.args = DecodeProctitle(aux.proctitle);
  }
  event.command_line = JoinArgs(event.args);
  if (aux.cwd) event.working_directory = std::move(aux.cwd);

  result = BuildOutcome::kBuilt;
  return event;
}

}  // namespace imds
