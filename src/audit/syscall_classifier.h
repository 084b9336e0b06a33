// Which syscalls the rules care about, named per audit arch with libaudit
// (never hard-coded x86_64 numbers: i386, aarch64 and others differ).
// Shared by the record filter (which drops uninteresting events before
// libauparse sees them) and the event builder.
#ifndef AUDISP_IMDS_AUDIT_SYSCALL_CLASSIFIER_H
#define AUDISP_IMDS_AUDIT_SYSCALL_CLASSIFIER_H

#include <cstdint>
#include <unordered_map>

namespace imds {

enum class SyscallKind : uint8_t { kOther, kExec, kConnect, kSocketcall };

class SyscallClassifier {
 public:
  // `arch` is the SYSCALL record's arch= (an AUDIT_ARCH_* value).
  SyscallKind Classify(uint32_t arch, int64_t syscall);

 private:
  // The same few (arch, number) pairs recur in every event: name each once.
  std::unordered_map<uint64_t, SyscallKind> cache_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_AUDIT_SYSCALL_CLASSIFIER_H
