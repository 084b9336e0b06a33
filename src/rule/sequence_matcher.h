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
// - Pending sequences whose first event is more than maxspan behind the
//   newest event time seen are dropped (a first-stage event that old when it
//   arrives is not kept); beyond `max_pending` the oldest are evicted (and
//   counted), so state stays bounded whatever the input.
// - A single-event query reports every matching event.
#ifndef AUDISP_IMDS_RULE_SEQUENCE_MATCHER_H
#define AUDISP_IMDS_RULE_SEQUENCE_MATCHER_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
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

  std::vector<SequenceMatch> OnEvent(const EcsEvent& event);
  // Same, appending to `out`; lets a caller reuse one vector for every event.
  void OnEvent(const EcsEvent& event, std::vector<SequenceMatch>& out);

  const CompiledQuery& query() const { return query_; }
  size_t pending() const { return by_age_.size(); }
  uint64_t evicted() const { return evicted_; }  // dropped by the max_pending cap
  uint64_t expired() const { return expired_; }  // dropped for being older than maxspan

 private:
  // Pending sequences ordered by (time of their first event, creation
  // number): expiry and eviction both take from the front.
  using AgeKey = std::pair<int64_t, uint64_t>;
  struct Pending {
    std::string join_key;
    size_t awaiting = 1;  // index of the stage this sequence waits for
    std::vector<EcsEvent> events;
  };
  // Per join key, the pending sequence awaiting each stage 1..n-1.
  using Slots = std::vector<std::optional<AgeKey>>;

  // Encodes the bound event's join-key values; false if one is null.
  bool JoinKey(std::string& out);
  void ExpireBefore(int64_t oldest_allowed_millis);
  void Remove(std::map<AgeKey, Pending>::iterator it);
  void Insert(AgeKey age, Pending pending);

  CompiledQuery query_;
  size_t max_pending_;
  Evaluator evaluator_;
  std::map<AgeKey, Pending> by_age_;
  std::unordered_map<std::string, Slots> by_key_;
  std::optional<int64_t> newest_millis_;
  uint64_t next_id_ = 0;
  uint64_t evicted_ = 0;
  uint64_t expired_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_SEQUENCE_MATCHER_H
