#include "audit/syscall_classifier.h"

#include <libaudit.h>

#include <cstddef>
#include <cstring>

namespace imds {

namespace {
// Bounds the cache against records with made-up numbers.
constexpr size_t kMaxCachedSyscalls = 4096;
}  // namespace

SyscallKind SyscallClassifier::Classify(uint32_t arch, int64_t syscall) {
  if (syscall < 0 || syscall > 0x7fffffff) return SyscallKind::kOther;
  const uint64_t key = (static_cast<uint64_t>(arch) << 32) | static_cast<uint64_t>(syscall);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;

  SyscallKind kind = SyscallKind::kOther;
  const int machine = audit_elf_to_machine(arch);
  // libaudit must not be asked about an unknown machine (it crashes).
  if (machine >= 0) {
    if (const char* name = audit_syscall_to_name(static_cast<int>(syscall), machine)) {
      if (std::strcmp(name, "execve") == 0 || std::strcmp(name, "execveat") == 0) {
        kind = SyscallKind::kExec;
      } else if (std::strcmp(name, "connect") == 0) {
        kind = SyscallKind::kConnect;
      } else if (std::strcmp(name, "socketcall") == 0) {
        kind = SyscallKind::kSocketcall;
      }
    }
  }
  if (cache_.size() >= kMaxCachedSyscalls) cache_.clear();
  cache_.emplace(key, kind);
  return kind;
}

}  // namespace imds
