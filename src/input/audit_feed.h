// The libauparse feed: raw audit text in (cut anywhere), EcsEvents out.
//
// Wraps auparse_init(AUSOURCE_FEED) and its callback. Every event auparse
// completes goes through the EventBuilder; exec and connect events go to the
// sink. auparse releases an event when its EOE or PROCTITLE record is
// followed by more input, when it is older than its 2 s timeout, or at
// flush: call AgeEvents() whenever input is idle so that a quiet host still
// reports at once, and Flush() at end of input.
#ifndef AUDISP_IMDS_INPUT_AUDIT_FEED_H
#define AUDISP_IMDS_INPUT_AUDIT_FEED_H

#include <auparse.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "audit/event_builder.h"
#include "input/record_filter.h"
#include "event/ecs_event.h"

namespace imds {

struct AuditFeedStats {
  uint64_t events_seen = 0;     // events auparse completed
  uint64_t events_rebuilt = 0;  // of which became an EcsEvent
  // Events that looked like exec/connect but could not be decoded, lines
  // that are not audit records or are longer than the line limit (both
  // dropped before auparse), and auparse refusing input.
  uint64_t parse_errors = 0;
  // Records dropped before libauparse because no rule can need them
  // (see record_filter.h); not errors.
  uint64_t records_skipped = 0;
};

// True when `line` (without its newline) starts like a record auditd sends a
// plugin: [node=NAME ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL) (then ':'
// except in some auditd DAEMON_* records), and holds
// no NUL byte. Other lines never reach libauparse: 3.0.9 leaks about 1 KiB
// on some of them and hands back events without a timestamp.
bool IsAuditRecordLine(std::string_view line);

class AuditFeed {
 public:
  using Sink = std::function<void(EcsEvent&&)>;

  // A kernel record is at most ~9 KiB; ENRICHED roughly doubles it. A line
  // without a newline beyond this is dropped so that garbage on stdin cannot
  // grow memory without bound.
  static constexpr size_t kDefaultMaxLineBytes = 1u << 20;

  // nullptr when libauparse cannot be initialised (out of memory).
  static std::unique_ptr<AuditFeed> Create(EventBuilder builder, Sink sink,
                                           size_t max_line_bytes = kDefaultMaxLineBytes);
  ~AuditFeed();
  AuditFeed(const AuditFeed&) = delete;
  AuditFeed& operator=(const AuditFeed&) = delete;

  // Any bytes; lines may be cut anywhere between calls. Completed events are
  // delivered to the sink before this returns.
  void Feed(const char* data, size_t size);
  // Releases events older than auparse's timeout (by the wall clock).
  void AgeEvents();
  // Whether the input read so far ends on an event boundary: no partial
  // line held back and the last record was an EOE (or not part of a
  // multi-record syscall event). Aging mid-event would cut an event whose
  // records straddle two reads whenever they are 2 s behind the clock (an
  // auditd backlog), losing its EXECVE or SOCKADDR.
  bool AtEventBoundary() const { return partial_line_.empty() && !discarding_line_ && !inside_event_; }
  // End of input: a last unterminated line is parsed, every pending event
  // is released. Feeding may continue afterwards.
  void Flush();

  const AuditFeedStats& stats() const { return stats_; }

 private:
  AuditFeed(auparse_state_t* au, EventBuilder builder, Sink sink, size_t max_line_bytes);
  static void OnEvent(auparse_state_t* au, auparse_cb_event_t type, void* user_data);
  void HandleEvent(auparse_state_t* au);
  void FeedToAuparse(const char* data, size_t size);

  auparse_state_t* au_;
  EventBuilder builder_;
  Sink sink_;
  size_t max_line_bytes_;
  // The unterminated tail of the input, held back so that auparse only ever
  // sees whole lines and an endless line can be dropped.
  std::string partial_line_;
  bool discarding_line_ = false;
  bool inside_event_ = false;  // the last record line belongs to an unfinished syscall event
  RecordFilter filter_;
  AuditFeedStats stats_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_INPUT_AUDIT_FEED_H
