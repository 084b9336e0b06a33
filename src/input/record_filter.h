// Decides, line by line and before libauparse parses anything, which audit
// records can matter to a rule. auditd hands a plugin every record of the
// host; libauparse's cost is per record (and each record scans the events in
// flight), while the rules only ever read exec and connect events. So:
//  - a record type the event builder never reads (USER_*, CRED_*, AVC,
//    BPRM_FCAPS, CONFIG_CHANGE, ...) is dropped;
//  - a SYSCALL record of any other syscall is dropped, and so are the
//    EXECVE/CWD/PATH/SOCKADDR/PROCTITLE/EOE records of its event;
//  - a PATH record with item >= 2 is dropped (the builder reads items 0
//    and 1 only); EOE never is on its own, as it releases the event.
// Nothing a rule could need is ever dropped: a record whose event is not
// known to be uninteresting (its SYSCALL not seen, or not parseable) is kept.
#ifndef AUDISP_IMDS_INPUT_RECORD_FILTER_H
#define AUDISP_IMDS_INPUT_RECORD_FILTER_H

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "audit/syscall_classifier.h"

namespace imds {

// The header of one record line: [node=N ]type=T msg=audit(S.M:SERIAL)...
// Views into the line.
struct RecordHeader {
  std::string_view node;   // empty without node=
  std::string_view type;   // "SYSCALL"
  std::string_view stamp;  // "1795926892.996:4"
  std::string_view body;   // after the closing parenthesis
};

// The longest node name accepted (a DNS name is at most 253 bytes). Node
// names key per-node state (process table, feeds, clocks, alert budgets),
// so a forged endless one must not reach them.
inline constexpr size_t kMaxNodeNameBytes = 255;

// nullopt unless the line has exactly that shape (and no NUL byte, a node
// name of at most kMaxNodeNameBytes, and, for a CWD record, one cwd= field):
// the only lines handed to libauparse, which leaks or mis-parses others.
std::optional<RecordHeader> ParseRecordHeader(std::string_view line);

// The record as libauparse needs it: `line` up to its first 0x1d byte.
// With log_format = ENRICHED auditd appends its interpretations (ARCH=,
// SYSCALL=, AUID=, UID=, SADDR=, ...) after that byte; the event builder
// reads only the kernel's raw fields before it, and parsing the suffix is a
// third of the fields of a SYSCALL record. The first 0x1d is auditd's: the
// kernel hex-encodes values holding control bytes. A RAW record has none
// and comes back whole. `line` has no newline.
std::string_view WithoutEnrichment(std::string_view line);

class RecordFilter {
 public:
  bool Keep(const RecordHeader& header);
  // Convenience for one line; a line that is not a record is kept (the
  // caller decides what to do with it).
  bool Keep(std::string_view line);
  uint64_t dropped() const { return dropped_; }

 private:
  bool IsDroppedEvent(uint64_t key) const;
  void RememberDroppedEvent(uint64_t key);

  SyscallClassifier classifier_;
  // Records of one event arrive together, so the last few dropped events
  // are all that needs remembering; one that falls out only costs parsing.
  std::array<uint64_t, 32> dropped_events_ = {};
  size_t next_slot_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_INPUT_RECORD_FILTER_H
