#include "audit/event_builder.h"

#include <libaudit.h>
#include <sys/socket.h>

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

}  // namespace imds
