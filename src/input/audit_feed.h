// The input stage: raw audit text in (cut anywhere), EcsEvents out, in three
// parts: a LineAssembler (bytes -> whole lines), the record router below
// (header, node, relevance, ENRICHED suffix) and an EventAssembler
// (records -> whole events, its own end-of-event rule). libauparse is handed
// one complete event at a time and flushed, so it never holds an event in
// flight: its cost per record stays flat whatever the input loses
// (event_assembler.h says why that matters). Node streams (node=NAME) are
// assembled apart, so a lagging host's events are never cut by another's
// clock (docs/fleet.md, C2).
//
// libauparse's callback only builds events; they reach the sink after it
// returns, in plain C++ frames: an exception from the pipeline is counted as
// a pipeline error, never as a parse error, and never unwinds through C.
#ifndef AUDISP_IMDS_INPUT_AUDIT_FEED_H
#define AUDISP_IMDS_INPUT_AUDIT_FEED_H

#include <auparse.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event_builder.h"
#include "event/ecs_event.h"
#include "input/event_assembler.h"
#include "input/line_assembler.h"
#include "input/record_filter.h"

namespace imds {

struct AuditFeedStats {
  uint64_t events_seen = 0;     // whole events handed to libauparse
  uint64_t events_rebuilt = 0;  // of which became an EcsEvent
  // Events that looked like exec/connect but could not be decoded, lines
  // that are not audit records or are longer than the line limit (both
  // dropped before libauparse), and libauparse refusing input.
  uint64_t parse_errors = 0;
  // Records dropped before libauparse because no rule can need them
  // (see record_filter.h); not errors.
  uint64_t records_skipped = 0;
  // Events that ended without their EOE (lost records, audit.log input):
  // cut by a timeout, the pending-event cap or the end of input.
  uint64_t events_cut = 0;
  // Node states forgotten (over max_node_feeds, or idle).
  uint64_t node_feeds_dropped = 0;
  // Exceptions thrown by the sink (the rest of the pipeline).
  uint64_t pipeline_errors = 0;
  // Connect events decided without libauparse: to an address no rule
  // names (they still reach the process table), or no attempt at all.
  uint64_t events_triaged = 0;
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
  // Node states kept for node= streams.
  static constexpr size_t kDefaultMaxNodeFeeds = 4096;
  static constexpr int64_t kMidEventGraceSeconds = EventAssembler::kMidEventGraceSeconds;

  // nullptr when libauparse cannot be initialised (out of memory).
  // `max_node_feeds` below 1 is treated as 1.
  static std::unique_ptr<AuditFeed> Create(EventBuilder builder, Sink sink,
                                           size_t max_line_bytes = kDefaultMaxLineBytes,
                                           size_t max_node_feeds = kDefaultMaxNodeFeeds,
                                           size_t max_pending_events = EventAssembler::kDefaultMaxPending);
  ~AuditFeed();
  AuditFeed(const AuditFeed&) = delete;
  AuditFeed& operator=(const AuditFeed&) = delete;

  // Any bytes; lines may be cut anywhere between calls. Every event
  // completed is delivered to the sink before this returns.
  void Feed(const char* data, size_t size);
  // The one entry point for time: call it after a short read (idle_ms 0)
  // and while input is silent (idle_ms: for how long). Events that lost
  // their EOE are cut once they are 2 s old by the wall clock, except the
  // one still being read, which waits until input has been silent for
  // kMidEventGraceSeconds (an auditd backlog can deliver an event's
  // records seconds apart). Replays never call it: there, time is the
  // records' own.
  void Age(int64_t idle_ms);
  // Whether the input read so far ends between events: no partial line
  // held back and the last record's event complete.
  bool AtEventBoundary() const { return !lines_.HoldsPartialLine() && !events_.LastEventOpen(); }
  // Which destination addresses any rule needs (RuleSet::NetworkDestinations):
  // connects elsewhere skip libauparse. Call again after a rule reload.
  void SetNeededDestinations(std::optional<std::vector<std::string>> exact,
                             std::vector<std::string> ignoring_case = {}) {
    builder_.SetNeededDestinations(std::move(exact), std::move(ignoring_case));
  }
  // End of input: a last unterminated line is read and every pending event
  // (of every node) is delivered. Feeding may continue afterwards.
  void Flush();

  AuditFeedStats stats() const;
  size_t node_feeds() const { return events_.nodes(); }
  // Events assembled but not yet complete (bounded by max_pending_events).
  size_t pending_events() const { return events_.pending(); }
  // Events handed to libauparse that it has not handed back: 0 between
  // calls, whatever the input (tests prove it).
  uint64_t auparse_events_in_flight() const { return fed_ - handed_back_; }

 private:
  AuditFeed(auparse_state_t* au, EventBuilder builder, Sink sink, size_t max_line_bytes, size_t max_node_feeds,
            size_t max_pending_events);
  static void OnAuparseEvent(auparse_state_t* au, auparse_cb_event_t type, void* user_data);
  // The record router: one whole line.
  void RouteLine(std::string_view line);
  // One whole event to libauparse, then its EcsEvent to the sink.
  void ParseEvent(std::string_view records);
  void Deliver(EcsEvent&& event);

  EventBuilder builder_;
  Sink sink_;
  auparse_state_t* au_;
  LineAssembler lines_;
  EventAssembler events_;
  RecordFilter filter_;
  std::vector<EcsEvent> built_;  // filled by the callback, emptied after it
  EcsEvent light_;               // a triaged connect's fields
  time_t now_ = 0;               // wall clock, read once per Feed call
  uint64_t fed_ = 0;             // events handed to libauparse
  uint64_t handed_back_ = 0;     // events its callback delivered
  AuditFeedStats stats_;         // what the parts do not count themselves
};

}  // namespace imds

#endif  // AUDISP_IMDS_INPUT_AUDIT_FEED_H
