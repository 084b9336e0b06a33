// The libauparse feed: raw audit text in (cut anywhere), EcsEvents out.
//
// Wraps auparse_init(AUSOURCE_FEED) and its callback. Every event auparse
// completes goes through the EventBuilder; exec and connect events go to the
// sink. auparse releases an event when its EOE or PROCTITLE record is
// followed by more input, when it is older than its 2 s timeout, or at
// flush: call AgeEventsAtBoundaries() whenever a read comes up short and
// AgeEventsWhenIdle() while input is idle, so that a quiet host still
// reports at once, and Flush() at end of input.
//
// One libauparse state per node (docs/fleet.md, C2): auparse completes an
// event still being assembled once a record ~2 s newer arrives, whatever
// node that record belongs to, so a collector interleaving a lagging host
// with others would cut the lagging host's events. Records with
// `node=NAME ` go to NAME's own state; records without go to the local
// one, through a fast path (no lookup while the node does not change). The
// next record, of any node, still releases an event whose EOE has arrived,
// as one state did. Node states are bounded: beyond max_node_feeds the
// least recently fed one is flushed (its events are delivered, never lost)
// and dropped, and so is one idle and empty for kIdleNodeFeedSeconds.
#ifndef AUDISP_IMDS_INPUT_AUDIT_FEED_H
#define AUDISP_IMDS_INPUT_AUDIT_FEED_H

#include <auparse.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
  // Node feeds flushed and dropped (over max_node_feeds, or idle).
  uint64_t node_feeds_dropped = 0;
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
  // libauparse states kept for node= streams (each a few KiB).
  static constexpr size_t kDefaultMaxNodeFeeds = 4096;
  // A node feed holding nothing and fed nothing for this long is dropped.
  static constexpr int64_t kIdleNodeFeedSeconds = 300;
  // A feed whose last record left an event unfinished is aged anyway once
  // it has been silent this long (a lost EOE), and so is everything when the
  // whole input has (AgeEventsWhenIdle).
  static constexpr int64_t kMidEventGraceSeconds = 5;

  // nullptr when libauparse cannot be initialised (out of memory).
  // `max_node_feeds` below 1 is treated as 1.
  static std::unique_ptr<AuditFeed> Create(EventBuilder builder, Sink sink,
                                           size_t max_line_bytes = kDefaultMaxLineBytes,
                                           size_t max_node_feeds = kDefaultMaxNodeFeeds);
  ~AuditFeed();
  AuditFeed(const AuditFeed&) = delete;
  AuditFeed& operator=(const AuditFeed&) = delete;

  // Any bytes; lines may be cut anywhere between calls. Completed events are
  // delivered to the sink before this returns.
  void Feed(const char* data, size_t size);
  // Releases, in every feed, events older than auparse's timeout (by the
  // wall clock), even those still being assembled.
  void AgeEvents();
  // What a live reader calls after a short read (AgeEventsWhenIdle calls it
  // mid-event before the grace): ages the feeds whose input ends on an
  // event boundary (the feed of the last record at once; every other feed,
  // and one silent mid-event for kMidEventGraceSeconds, at most once per
  // wall-clock second). Nothing while a partial line is held back.
  void AgeEventsAtBoundaries();
  // What a live reader calls when its input has been silent for `idle_ms`:
  // at an event boundary everything is aged at once; mid-event (a partial
  // line, or a node's last record inside a syscall event) only the feeds
  // at a boundary, until kMidEventGraceSeconds of silence say the rest is
  // not coming (a lost EOE, a writer that died mid-line) and everything is.
  void AgeEventsWhenIdle(int64_t idle_ms);
  // Whether the input read so far ends on an event boundary in every feed:
  // no partial line held back and no node's last record inside a
  // multi-record syscall event. Aging mid-event would cut an event whose
  // records straddle two reads whenever they are 2 s behind the clock (an
  // auditd backlog), losing its EXECVE or SOCKADDR.
  bool AtEventBoundary() const { return partial_line_.empty() && !discarding_line_ && feeds_inside_event_ == 0; }
  // End of input: a last unterminated line is parsed, every pending event
  // (of every node) is released. Feeding may continue afterwards.
  void Flush();

  const AuditFeedStats& stats() const { return stats_; }
  size_t node_feeds() const { return nodes_.size(); }

 private:
  // One libauparse state: the local host's, or one node's.
  struct NodeFeed {
    NodeFeed(auparse_state_t* state, std::string_view name) : au(state), node(name) {}
    ~NodeFeed() { auparse_destroy(au); }
    NodeFeed(const NodeFeed&) = delete;
    NodeFeed& operator=(const NodeFeed&) = delete;

    auparse_state_t* au;
    const std::string node;      // "" for the local feed
    bool inside_event = false;   // its last record belongs to an unfinished syscall event
    bool unreleased = false;     // fed since auparse was last asked for complete events
    bool holding = false;        // in holding_ (node feeds): may hold events in flight
    size_t holding_index = 0;
    int64_t newest_second = 0;   // newest audit second fed (node feeds)
    time_t last_fed = 0;         // wall-clock second of its last record
    std::list<NodeFeed*>::iterator lru;  // node feeds only
  };

  AuditFeed(auparse_state_t* au, EventBuilder builder, Sink sink, size_t max_line_bytes, size_t max_node_feeds);
  static void OnEvent(auparse_state_t* au, auparse_cb_event_t type, void* user_data);
  void HandleEvent(auparse_state_t* au);
  void FeedToAuparse(const char* data, size_t size);
  // Hands whole lines of kept records to `feed`'s auparse state, one line
  // per call (why: see the definition).
  void FeedRun(NodeFeed& feed, const char* data, size_t size);
  // Makes `node`'s feed the current one ("" is the local feed).
  void SwitchTo(std::string_view node);
  void SetInside(NodeFeed& feed, bool inside);
  void AgeFeed(NodeFeed& feed, time_t now);
  void FlushFeed(NodeFeed& feed);
  void Hold(NodeFeed& feed);
  void Unhold(NodeFeed& feed);
  void DropNodeFeed(NodeFeed& feed);

  EventBuilder builder_;
  Sink sink_;
  size_t max_line_bytes_;
  size_t max_node_feeds_;
  std::unique_ptr<NodeFeed> local_;
  // Node feeds by name (the key views the feed's own `node`), most recently
  // fed first in lru_, and those that may hold events in flight in holding_
  // (the local feed is always treated as holding).
  std::unordered_map<std::string_view, std::unique_ptr<NodeFeed>> nodes_;
  std::list<NodeFeed*> lru_;
  std::vector<NodeFeed*> holding_;
  NodeFeed* current_;  // the feed of the last record
  size_t feeds_inside_event_ = 0;
  time_t now_ = 0;         // wall clock, read once per batch of lines
  time_t last_sweep_ = 0;  // when AgeEventsAtBoundaries last aged every feed
  // The unterminated tail of the input, held back so that auparse only ever
  // sees whole lines and an endless line can be dropped.
  std::string partial_line_;
  bool discarding_line_ = false;
  RecordFilter filter_;
  AuditFeedStats stats_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_INPUT_AUDIT_FEED_H
