#include "rule/sequence_matcher.h"

#include <algorithm>
#include <iterator>
#include <limits>

namespace imds {

namespace {
constexpr uint64_t kLastId = std::numeric_limits<uint64_t>::max();
}  // namespace

SequenceMatcher::SequenceMatcher(CompiledQuery query, size_t max_pending, int64_t lateness_millis)
    : query_(std::move(query)),
      max_pending_(std::max<size_t>(max_pending, 1)),
      lateness_millis_(std::max<int64_t>(lateness_millis, 0)) {}

std::vector<SequenceMatch> SequenceMatcher::OnEvent(const EcsEvent& event) {
  std::vector<SequenceMatch> out;
  OnEvent(event, out);
  return out;
}

bool SequenceMatcher::JoinKey() {
  key_.clear();
  // Length-prefixed values, so ("a:b", "c") and ("a", "b:c") differ.
  for (FieldId field : query_.join_keys) {
    const FieldValues& values = evaluator_.Values(field);
    if (values.is_null()) return false;
    key_ += std::to_string(values.values().size());
    key_ += '#';
    for (std::string_view v : values.values()) {
      key_ += std::to_string(v.size());
      key_ += ':';
      key_.append(v.data(), v.size());
    }
  }
  return true;
}

SequenceMatcher::HostClock& SequenceMatcher::ClockFor(const std::string& host_id) {
  if (last_host_ != nullptr && last_host_->first == host_id) return last_host_->second;
  auto it = hosts_.find(host_id);
  if (it == hosts_.end()) {
    if (hosts_.size() >= next_sweep_at_) SweepHostClocks();
    HostClock clock;
    clock.newest_millis = std::numeric_limits<int64_t>::min();
    it = hosts_.emplace(host_id, std::move(clock)).first;
  }
  // Element references survive rehashing; only a sweep erases.
  last_host_ = &*it;
  return it->second;
}

// Host clocks are bounded so that a stream naming ever new hosts (node=
// is whatever a sender writes) cannot grow memory. A host with kept state
// keeps its clock (there are at most max_pending of those); a host without
// any is dropped when no event of it arrived since the previous sweep, and
// if that is not enough to stay within max_pending + kMinHostClockSweep,
// every host without one is. Sweeps run when the map has doubled since the
// last one, so they cost O(1) per new host. Forgetting a clock loses
// nothing that could alert: the host's next event starts it afresh, so at
// most an event that would have been "too late" is kept, and it expires as
// that host's clock moves on.
void SequenceMatcher::SweepHostClocks() {
  last_host_ = nullptr;
  auto sweep = [this](bool only_unseen) {
    for (auto it = hosts_.begin(); it != hosts_.end();) {
      const bool unseen = it->second.seen_in_sweep < sweep_count_;
      if (it->second.entries.empty() && (unseen || !only_unseen)) {
        it = hosts_.erase(it);
      } else {
        ++it;
      }
    }
  };
  sweep(/*only_unseen=*/true);
  if (hosts_.size() > max_pending_ + kMinHostClockSweep) sweep(/*only_unseen=*/false);
  ++sweep_count_;
  next_sweep_at_ = std::max(kMinHostClockSweep, 2 * hosts_.size());
}

SequenceMatcher::Lane& SequenceMatcher::LaneFor(const std::string& key) {
  auto it = lanes_.find(key);
  if (it == lanes_.end()) {
    it = lanes_.emplace(key, Lane{}).first;
    it->second.key = &it->first;
    it->second.stages.resize(query_.stages.size());
  }
  return it->second;
}

SequenceMatcher::Entry& SequenceMatcher::Add(Lane& lane, size_t stage, Order order, int64_t first_millis,
                                             HostClock* host, std::vector<EcsEvent> events) {
  const AgeKey age{first_millis, order.id};
  Entry& entry = entries_[age];
  entry.lane = &lane;
  entry.host = host;
  entry.stage = stage;
  entry.order = order;
  entry.age = age;
  entry.events = std::move(events);
  lane.stages[stage].emplace(order, &entry);
  host->entries.insert(age);
  return entry;
}

void SequenceMatcher::Remove(Entry& entry) {
  Lane& lane = *entry.lane;
  lane.stages[entry.stage].erase(entry.order);
  if (entry.paired) lane.pairings.erase(entry.order);
  entry.host->entries.erase(entry.age);
  entries_.erase(entry.age);
}

void SequenceMatcher::DropLaneIfEmpty(Lane& lane) {
  for (const Index& stage : lane.stages) {
    if (!stage.empty()) return;
  }
  // Look the node up before erasing: the key lives in it.
  lanes_.erase(lanes_.find(*lane.key));
}

void SequenceMatcher::ExpireBefore(HostClock& host, int64_t oldest_allowed_millis) {
  const size_t last_stage = query_.stages.size() - 1;
  while (!host.entries.empty() && host.entries.begin()->first < oldest_allowed_millis) {
    Entry& entry = entries_.find(*host.entries.begin())->second;
    if (entry.stage < last_stage && !entry.alerted) ++expired_;
    Lane& lane = *entry.lane;
    Remove(entry);
    DropLaneIfEmpty(lane);
  }
}

// Fleet-wide cap, oldest audit time first whatever the host (the map is
// ordered by first-event time, not by how far behind its own host's clock
// an entry is): simple, and only reached under a flood.
void SequenceMatcher::EnforceCap() {
  while (entries_.size() > max_pending_) {
    Entry& entry = entries_.begin()->second;
    Lane& lane = *entry.lane;
    Remove(entry);
    DropLaneIfEmpty(lane);
    ++evicted_;
  }
}

void SequenceMatcher::Unpair(Entry& b) {
  b.lane->pairings.erase(b.order);
  b.paired.reset();
}

void SequenceMatcher::Alert(Entry& a, Entry& b, std::vector<SequenceMatch>& out) {
  a.alerted = true;
  b.alerted = true;
  SequenceMatch match;
  match.events.reserve(2);
  match.events.push_back(a.events.front());
  match.events.push_back(b.events.front());
  out.push_back(std::move(match));
}

// The event as stage B. `pairings` holds, in timestamp order, the stage-B
// events that pair; each one's candidate is the latest one stamped before
// it that no earlier pairing has used up ("cut": a pairing uses up its
// candidate and every older one).
void SequenceMatcher::OnLast(Lane& lane, const EcsEvent& event, HostClock& clock,
                             std::vector<SequenceMatch>& out) {
  const Order order{event.stamp, next_id_++};
  const int64_t now = event.stamp.EpochMillis();
  Index& firsts = lane.stages[0];
  Entry* partner = nullptr;
  // The latest candidate stamped strictly before this event.
  auto a = firsts.lower_bound(Order{event.stamp, 0});
  if (a != firsts.begin()) {
    --a;
    if (now - a->first.stamp.EpochMillis() <= query_.maxspan_millis) {
      // ... unless the last pairing stamped before this event used it up.
      auto after = lane.pairings.lower_bound(order);
      if (after == lane.pairings.begin() || *std::prev(after)->second->paired < a->first) {
        partner = a->second;
      }
    }
  }

  std::vector<EcsEvent> events;
  events.push_back(event);
  Entry& b = Add(lane, 1, order, now, &clock, std::move(events));
  if (partner == nullptr) return;  // kept: a late candidate may still pair with it
  b.paired = partner->order;
  auto next = lane.pairings.emplace_hint(lane.pairings.upper_bound(order), order, &b);
  ++next;
  // In-order input: no pairing stamped later, alert now. A late event: the
  // first pairing stamped after it either has a later candidate (it keeps
  // it, and this pair is new), or had this same one (timestamp order gives
  // it to this event instead; that alert was sent: nothing new).
  if (next != lane.pairings.end() && !(partner->order < *next->second->paired)) {
    Unpair(*next->second);
    return;
  }
  Alert(*partner, b, out);
}

// The event as stage A. In order, it just waits. Late, it pairs with the
// first stage-B event stamped after it when no other candidate stands
// between them and it is within maxspan.
void SequenceMatcher::OnFirst(Lane& lane, const EcsEvent& event, HostClock& clock,
                              std::vector<SequenceMatch>& out) {
  const Order order{event.stamp, next_id_++};
  const int64_t now = event.stamp.EpochMillis();
  std::vector<EcsEvent> events;
  events.push_back(event);
  Entry& a = Add(lane, 0, order, now, &clock, std::move(events));

  Index& lasts = lane.stages[1];
  auto first_after = lasts.upper_bound(Order{event.stamp, kLastId});
  if (first_after == lasts.end()) return;  // in-order input ends here
  if (first_after->first.stamp.EpochMillis() - now > query_.maxspan_millis) return;
  auto next_first = lane.stages[0].upper_bound(order);
  if (next_first != lane.stages[0].end() && next_first->first < first_after->first) return;
  // A pairing between the two that used this candidate up (only possible
  // among events of one stamp, i.e. duplicates).
  auto pairing = lane.pairings.lower_bound(first_after->first);
  if (pairing != lane.pairings.begin() && !(*std::prev(pairing)->second->paired < order)) return;

  Entry& b = *first_after->second;
  if (b.paired) {
    // b had an older candidate; timestamp order gives it this one instead.
    // That alert was sent: nothing new.
    b.paired = order;
    return;
  }
  b.paired = order;
  auto next = lane.pairings.emplace_hint(pairing, b.order, &b);
  ++next;
  // b now uses up this candidate and every older one. The next pairing's
  // candidate is never one of them while everything is kept (b would have
  // paired with it, being closer); after an eviction it can be, and then
  // that pairing loses it, as timestamp order over what is kept says.
  if (next != lane.pairings.end() && *next->second->paired < order) {
    Unpair(*next->second);
    return;
  }
  Alert(a, b, out);
}

void SequenceMatcher::OnStages(const EcsEvent& event, HostClock& clock, std::vector<SequenceMatch>& out) {
  const size_t stage_count = query_.stages.size();
  const int64_t now = event.stamp.EpochMillis();
  // Later stages first, so one event cannot advance a sequence and then
  // advance it again (or start a new one and complete it) within one call.
  for (size_t k = stage_count - 1; k >= 1; --k) {
    if (!evaluator_.Matches(query_.stages[k])) continue;
    auto lane_it = lanes_.find(key_);
    if (lane_it == lanes_.end()) break;
    Lane& lane = lane_it->second;
    Index& waiting = lane.stages[k - 1];
    auto it = waiting.lower_bound(Order{event.stamp, 0});
    if (it == waiting.begin()) continue;
    --it;
    Entry& partial = *it->second;
    const int64_t first_millis = partial.age.first;
    const bool within_span = now - first_millis <= query_.maxspan_millis;
    std::vector<EcsEvent> events;
    HostClock* host = partial.host;  // still expires by its first event's host
    if (within_span) {
      events = std::move(partial.events);
      events.push_back(event);
    }
    // It and every older one waiting for this stage are used up, as
    // Elasticsearch does, even when it is too old to advance (with two
    // stages that changes nothing; with more, an older partial sequence may
    // have started later).
    const Order used_up = it->first;
    while (!waiting.empty() && !(used_up < waiting.begin()->first)) Remove(*waiting.begin()->second);
    if (!within_span) {
      DropLaneIfEmpty(lane);
      continue;
    }
    if (k + 1 == stage_count) {
      out.push_back(SequenceMatch{std::move(events)});
      DropLaneIfEmpty(lane);
    } else {
      Add(lane, k, Order{event.stamp, next_id_++}, first_millis, host, std::move(events));
    }
  }

  if (!evaluator_.Matches(query_.stages.front())) return;
  std::vector<EcsEvent> events;
  events.push_back(event);
  Add(LaneFor(key_), 0, Order{event.stamp, next_id_++}, now, &clock, std::move(events));
}

size_t SequenceMatcher::pending() const {
  size_t total = 0;
  const size_t stage_count = query_.stages.size();
  for (const auto& [key, lane] : lanes_) {
    if (stage_count == 2) {
      // Candidates after the last cut: the last pairing used up its own and
      // every older one.
      const Index& firsts = lane.stages[0];
      auto from = firsts.begin();
      if (!lane.pairings.empty()) from = firsts.upper_bound(*lane.pairings.rbegin()->second->paired);
      total += static_cast<size_t>(std::distance(from, firsts.end()));
    } else {
      for (size_t k = 0; k + 1 < stage_count; ++k) total += lane.stages[k].size();
    }
  }
  return total;
}

void SequenceMatcher::OnEvent(const EcsEvent& event, std::vector<SequenceMatch>& out) {
  evaluator_.Bind(event);
  const size_t stage_count = query_.stages.size();
  if (!query_.is_sequence || stage_count < 2) {
    if (stage_count == 1 && evaluator_.Matches(query_.stages.front())) {
      out.push_back(SequenceMatch{{event}});
    }
    return;
  }

  // Expiry runs on the clock of the event's own host (its host.id, whether
  // or not that is a join key): another host's clock, ahead or behind, or
  // its records arriving late through a collector, never ends or refuses a
  // sequence here.
  const int64_t now = event.stamp.EpochMillis();
  HostClock& clock = ClockFor(event.host_id);
  clock.seen_in_sweep = sweep_count_;
  if (now > clock.newest_millis) clock.newest_millis = now;
  ExpireBefore(clock, clock.newest_millis - query_.maxspan_millis - lateness_millis_);

  // The join key is built only once some stage matches: most events match
  // none, and they must cost no allocation.
  bool as_first = false;
  bool as_last = false;
  if (stage_count == 2) {
    as_last = evaluator_.Matches(query_.stages[1]);
    as_first = evaluator_.Matches(query_.stages[0]);
  } else {
    for (const CompiledStage& stage : query_.stages) {
      if (evaluator_.Matches(stage)) {
        as_first = true;  // some stage: OnStages asks which
        break;
      }
    }
  }
  if (!as_first && !as_last) return;
  if (!JoinKey()) return;  // a null join key never joins
  if (now < clock.newest_millis - lateness_millis_) {
    ++late_dropped_;
    return;
  }

  if (stage_count == 2) {
    Lane& lane = LaneFor(key_);
    if (as_last) OnLast(lane, event, clock, out);
    if (as_first) OnFirst(lane, event, clock, out);
  } else {
    OnStages(event, clock, out);
  }
  EnforceCap();
}

}  // namespace imds
