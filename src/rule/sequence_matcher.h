// Runs one compiled query over the event stream (semantics.md, "Matching"):
//
// - Join keys are the "sequence by" fields; a null join-key value never joins.
// - Per join-key value, at most one pending sequence per stage: a newer event
//   matching the first stage replaces the pending one for its key, and a
//   sequence advancing into a stage replaces the one waiting there. "Newer"
//   is audit order (time, then serial), not arrival order.
// - Stage k+1 advances (or completes) the pending sequence of its key when
//   its event comes strictly after stage k's (AuditStamp order: time, then
//   serial) and t(last) - t(first) <= maxspan. So no event completes a
//   sequence it started.
// - A completed sequence is reported once and forgotten.
// - Time is kept per host (the event's host.id, whatever the join keys): a
//   pending sequence is dropped once its first event is more than maxspan
//   behind the newest event time seen for the host of that first event, and
//   a first-stage event that old when it arrives is not kept. One host's
//   clock (ahead, behind, or its records delivered late by a collector)
//   never expires another host's sequences (docs/fleet.md, C1).
// - Beyond `max_pending` the oldest (by audit time, over all hosts) are
//   evicted and counted, so state stays bounded whatever the input. That
//   cap is fleet-wide: a host whose clock runs behind loses its pending
//   sequences first under pressure.
// - A single-event query reports every matching event.
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

  // `max_pending` below 1 is treated as 1.
  explicit SequenceMatcher(CompiledQuery query, size_t max_pending = kDefaultMaxPending);
  // Pending sequences point at their host's clock: a copy would share them.
  // A move keeps the map's nodes, and so the pointers, valid.
  SequenceMatcher(const SequenceMatcher&) = delete;
  SequenceMatcher& operator=(const SequenceMatcher&) = delete;
  SequenceMatcher(SequenceMatcher&&) = default;
  SequenceMatcher& operator=(SequenceMatcher&&) = default;

  std::vector<SequenceMatch> OnEvent(const EcsEvent& event);
  // Same, appending to `out`; lets a caller reuse one vector for every event.
  void OnEvent(const EcsEvent& event, std::vector<SequenceMatch>& out);

  const CompiledQuery& query() const { return query_; }
  size_t pending() const { return by_age_.size(); }
  uint64_t evicted() const { return evicted_; }  // dropped by the max_pending cap
  uint64_t expired() const { return expired_; }  // dropped for being older than maxspan
  // Hosts whose clock is kept (bounded: see SweepHostClocks in the .cpp).
  size_t host_clocks() const { return hosts_.size(); }

  // A sweep of host clocks runs once their number reaches this, or twice
  // the number left by the previous sweep, whichever is larger.
  static constexpr size_t kMinHostClockSweep = 1024;

 private:
  // Pending sequences ordered by (time of their first event, creation
  // number): expiry and eviction both take from the front.
  using AgeKey = std::pair<int64_t, uint64_t>;
  // One host's clock: the newest audit time seen for it, and its pending
  // sequences in age order (the same keys as by_age_), for per-host expiry.
  struct HostClock {
    int64_t newest_millis = 0;
    std::set<AgeKey> pending;
    uint64_t seen_in_sweep = 0;  // sweep_count_ when an event of the host last arrived
  };
  using HostMap = std::unordered_map<std::string, HostClock>;
  struct Pending {
    std::string join_key;
    size_t awaiting = 1;  // index of the stage this sequence waits for
    std::vector<EcsEvent> events;
    // The host of the first event, whose clock expires the sequence. Never
    // dangles: a host clock with pending sequences is never dropped.
    HostClock* host = nullptr;
  };
  // Per join key, the pending sequence awaiting each stage 1..n-1.
  using Slots = std::vector<std::optional<AgeKey>>;

  // Encodes the bound event's join-key values; false if one is null.
  bool JoinKey(std::string& out);
  // The clock of `host_id`, created when new.
  HostClock& ClockFor(const std::string& host_id);
  void SweepHostClocks();
  void ExpireBefore(HostClock& host, int64_t oldest_allowed_millis);
  // Drops a pending sequence from by_age_ and its host's list, not by_key_.
  void Erase(std::map<AgeKey, Pending>::iterator it);
  void Remove(std::map<AgeKey, Pending>::iterator it);
  void Insert(AgeKey age, Pending pending);

  CompiledQuery query_;
  size_t max_pending_;
  Evaluator evaluator_;
  std::map<AgeKey, Pending> by_age_;
  std::unordered_map<std::string, Slots> by_key_;
  HostMap hosts_;
  // The last host looked up: consecutive events mostly share one, and a
  // string compare is cheaper than hashing. Reset by every sweep.
  HostMap::value_type* last_host_ = nullptr;
  uint64_t sweep_count_ = 0;
  size_t next_sweep_at_ = kMinHostClockSweep;
  uint64_t next_id_ = 0;
  uint64_t evicted_ = 0;
  uint64_t expired_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_SEQUENCE_MATCHER_H
