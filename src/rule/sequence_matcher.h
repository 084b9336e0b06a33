// Runs one compiled query over the event stream (semantics.md, "Matching"
// and "Time and order"), as Elasticsearch runs EQL sequences, but on events
// that arrive in roughly, not exactly, timestamp order.
//
// Timestamp order: events are ordered by their audit stamp (time, then
// serial; two events with the same stamp, i.e. duplicates, by arrival).
// "Before" for pairing is strict: stage B must be stamped after stage A, so
// no event completes a sequence it started.
//
// The reference result is what Elasticsearch gives for the same events
// sorted by stamp, per join-key value (a null join-key value never joins):
// - every event matching stage A is a candidate;
// - an event matching stage B pairs with the LATEST candidate stamped before
//   it with t(B) - t(A) <= maxspan (inclusive); that candidate and every
//   older one of its key are used up; the pair is one alert, sent once;
// - an event matching both stages is taken as B first, then as A.
//
// Arrival order. The kernel stamps an event at syscall entry and emits it at
// exit, so a blocking connect arrives after later-stamped events. Every event
// is judged by its own stamp; in-order input alerts the moment B arrives.
// For two-stage queries (all shipped rules) the matcher keeps, per key, the
// events of the last maxspan + lateness_allowance (candidates, stage-B
// events, and which B pairs with which A in timestamp order), and updates
// that timestamp-order pairing exactly as each event arrives:
// - a B pairs with the latest A stamped before it that no pairing stamped
//   before it has used up, if within maxspan. In order, that is the whole
//   story: it alerts at once. Late, if the first pairing stamped after it
//   had that same A, timestamp order gives the A to this B instead;
// - an A, late, pairs with the first B stamped after it when no other A
//   stands between them and it is within maxspan. If that B already pairs
//   (with an older A), timestamp order gives it this A instead.
// Each arrival adds at most one pair to the timestamp-order result, and when
// it adds one it takes none away: that pair is sent. So the number of alerts
// always equals the reference's for events that arrive within the allowance
// (tests/rule/sequence_matcher_test.cpp, SequenceMatcherDifferentialTest).
//
// Where arrival order cannot equal timestamp order: an alert already sent
// cannot be taken back. The two "instead" cases above change which pair
// timestamp order holds without adding one -- a late B stamped between a sent
// pair's A and B takes that A; a late A stamped between them takes that B --
// so nothing is sent and the count stays right, but the sent alert is not a
// pair timestamp order now holds. A later late event may then make timestamp
// order add a pair containing an event of that sent alert (A@0 and B@3 alert;
// A@2 arrives; B@1 arrives: the reference holds (A@0,B@1) and (A@2,B@3)). It
// is sent: every alert is a valid pair (same key, A stamped before B, within
// maxspan), no pair is sent twice, and the count is right, but that event is
// in two alerts. In that example no pair of unused events exists, so "each
// event in one alert" and "the reference's count" cannot both hold; the count
// wins.
//
// Queries of three or more stages are exact for in-order input only: stage k
// partial sequences are candidates for stage k+1, ordered by their last
// event; an event of stage k+1 takes the latest one stamped before it, which
// with every older one of its stage is used up, and advances it if its FIRST
// event is within maxspan (Elasticsearch uses up before it checks maxspan).
// A late event is judged by its stamp against the partial sequences held
// when it arrives; later-stage events are not kept for late earlier ones.
//
// Time is kept per host (the event's host.id, whatever the join keys; one
// host's clock, ahead, behind, or delivered late by a collector, never
// expires another host's state: docs/fleet.md, C1):
// - an event stamped more than lateness_allowance before the newest time of
//   its host is too late to judge: if it matches a stage it is dropped and
//   counted (late_dropped());
// - state of an event is kept until its host's newest time is more than
//   maxspan + lateness_allowance past it (of a partial sequence: past its
//   first event). With no allowance, that is maxspan, as before it existed.
//
// Memory: `max_pending` bounds everything kept (candidates, partial
// sequences, stage-B events kept for late candidates); beyond it the oldest
// (by audit time, over all hosts) are evicted and counted. That cap is
// fleet-wide: a host whose clock runs behind loses its state first. Per
// event, in-order input costs O(log n); events that match no stage allocate
// nothing.
//
// A single-event query reports every matching event.
#ifndef AUDISP_IMDS_RULE_SEQUENCE_MATCHER_H
#define AUDISP_IMDS_RULE_SEQUENCE_MATCHER_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "event/ecs_event.h"
#include "rule/compiler.h"
#include "rule/evaluator.h"

namespace imds {

struct SequenceMatch {
  std::vector<EcsEvent> events;  // one per stage, in stage order
};

class SequenceMatcher {
 public:
  static constexpr size_t kDefaultMaxPending = 100000;
  // [limits] lateness_allowance's default, 135 s: Linux gives up an
  // unanswered TCP connect after 127 s (tcp_syn_retries = 6), and the
  // connect's record is stamped when it began.
  static constexpr int64_t kDefaultLatenessMillis = 135000;

  // `max_pending` below 1 is treated as 1, a negative allowance as 0.
  explicit SequenceMatcher(CompiledQuery query, size_t max_pending = kDefaultMaxPending,
                           int64_t lateness_millis = kDefaultLatenessMillis);
  // Kept state points at host clocks and per-key lanes: a copy would share
  // them. A move keeps the containers' nodes, and so the pointers, valid.
  SequenceMatcher(const SequenceMatcher&) = delete;
  SequenceMatcher& operator=(const SequenceMatcher&) = delete;
  SequenceMatcher(SequenceMatcher&&) = default;
  SequenceMatcher& operator=(SequenceMatcher&&) = default;

  std::vector<SequenceMatch> OnEvent(const EcsEvent& event);
  // Same, appending to `out`; lets a caller reuse one vector for every event.
  void OnEvent(const EcsEvent& event, std::vector<SequenceMatch>& out);

  const CompiledQuery& query() const { return query_; }
  int64_t lateness_millis() const { return lateness_millis_; }
  // Sequences waiting for a later stage: candidates (and partial sequences)
  // that timestamp order has not used up. Walks the kept state: for status
  // reports and tests, not per event.
  size_t pending() const;
  // Everything kept, used up or not (what max_pending bounds).
  size_t retained() const { return entries_.size(); }
  uint64_t evicted() const { return evicted_; }  // dropped by the max_pending cap
  // Candidates and partial sequences dropped for age without having been
  // part of an alert.
  uint64_t expired() const { return expired_; }
  // Events matching a stage that came later than the allowance.
  uint64_t late_dropped() const { return late_dropped_; }
  // Hosts whose clock is kept (bounded: see SweepHostClocks in the .cpp).
  size_t host_clocks() const { return hosts_.size(); }

  // A sweep of host clocks runs once their number reaches this, or twice
  // the number left by the previous sweep, whichever is larger.
  static constexpr size_t kMinHostClockSweep = 1024;

 private:
  // A position in timestamp order: the audit stamp, then an arrival number
  // (unique per kept event; an event matching two stages gets one per role,
  // its stage-B role first).
  struct Order {
    AuditStamp stamp;
    uint64_t id = 0;
    friend bool operator<(const Order& a, const Order& b) {
      if (a.stamp != b.stamp) return a.stamp < b.stamp;
      return a.id < b.id;
    }
  };
  // Kept state ordered by (time of its first event, arrival number): expiry
  // and eviction both take from the front.
  using AgeKey = std::pair<int64_t, uint64_t>;
  // One host's clock: the newest audit time seen for it, and its kept
  // state in age order (the same keys as entries_), for per-host expiry.
  struct HostClock {
    int64_t newest_millis = 0;
    std::set<AgeKey> entries;
    uint64_t seen_in_sweep = 0;  // sweep_count_ when an event of the host last arrived
  };
  using HostMap = std::unordered_map<std::string, HostClock>;
  struct Lane;
  // One kept event (or, for three stages or more, partial sequence).
  struct Entry {
    Lane* lane = nullptr;
    // The host of the first event, whose clock expires the entry. Never
    // dangles: a host clock with entries is never dropped.
    HostClock* host = nullptr;
    size_t stage = 0;  // the stage its last event matched
    Order order;       // of its last event
    AgeKey age;
    bool alerted = false;  // part of an alert already sent
    // Two-stage queries, a stage-B event: the candidate it pairs with in
    // timestamp order (none: it pairs with nothing). Kept as a position,
    // since the candidate may leave first.
    std::optional<Order> paired;
    std::vector<EcsEvent> events;
  };
  using Index = std::map<Order, Entry*>;
  // What one join-key value keeps.
  struct Lane {
    const std::string* key = nullptr;  // the key of its node in lanes_
    std::vector<Index> stages;         // per stage, its entries in timestamp order
    Index pairings;                    // two stages: the stage-B entries with a pair
  };
  using LaneMap = std::unordered_map<std::string, Lane>;

  // Encodes the bound event's join-key values into key_; false if one is null.
  bool JoinKey();
  // The clock of `host_id`, created when new.
  HostClock& ClockFor(const std::string& host_id);
  void SweepHostClocks();
  Lane& LaneFor(const std::string& key);
  Entry& Add(Lane& lane, size_t stage, Order order, int64_t first_millis, HostClock* host,
             std::vector<EcsEvent> events);
  // Drops an entry from every index; its lane stays, even when empty.
  void Remove(Entry& entry);
  void DropLaneIfEmpty(Lane& lane);
  void ExpireBefore(HostClock& host, int64_t oldest_allowed_millis);
  void EnforceCap();
  // Two stages: the event in the role of stage B, then of stage A.
  void OnLast(Lane& lane, const EcsEvent& event, HostClock& clock, std::vector<SequenceMatch>& out);
  void OnFirst(Lane& lane, const EcsEvent& event, HostClock& clock, std::vector<SequenceMatch>& out);
  // Makes `b`, which pairs in timestamp order, pair with nothing.
  void Unpair(Entry& b);
  void Alert(Entry& a, Entry& b, std::vector<SequenceMatch>& out);
  // Three stages or more.
  void OnStages(const EcsEvent& event, HostClock& clock, std::vector<SequenceMatch>& out);

  CompiledQuery query_;
  size_t max_pending_;
  int64_t lateness_millis_;
  Evaluator evaluator_;
  std::map<AgeKey, Entry> entries_;
  LaneMap lanes_;
  HostMap hosts_;
  std::string key_;  // the bound event's join key (kept: its buffer is reused)
  // The last host looked up: consecutive events mostly share one, and a
  // string compare is cheaper than hashing. Reset by every sweep.
  HostMap::value_type* last_host_ = nullptr;
  uint64_t sweep_count_ = 0;
  size_t next_sweep_at_ = kMinHostClockSweep;
  uint64_t next_id_ = 1;  // 0 sorts before every kept event of a stamp
  uint64_t evicted_ = 0;
  uint64_t expired_ = 0;
  uint64_t late_dropped_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_SEQUENCE_MATCHER_H
