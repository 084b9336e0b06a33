#include "rule/sequence_matcher.h"

#include <algorithm>
#include <limits>

namespace imds {

SequenceMatcher::SequenceMatcher(CompiledQuery query, size_t max_pending)
    : query_(std::move(query)), max_pending_(std::max<size_t>(max_pending, 1)) {}

std::vector<SequenceMatch> SequenceMatcher::OnEvent(const EcsEvent& event) {
  std::vector<SequenceMatch> out;
  OnEvent(event, out);
  return out;
}

bool SequenceMatcher::JoinKey(std::string& out) {
  out.clear();
  // Length-prefixed values, so ("a:b", "c") and ("a", "b:c") differ.
  for (FieldId field : query_.join_keys) {
    const FieldValues& values = evaluator_.Values(field);
    if (values.is_null()) return false;
    out += std::to_string(values.values().size());
    out += '#';
    for (std::string_view v : values.values()) {
      out += std::to_string(v.size());
      out += ':';
      out.append(v.data(), v.size());
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
// is whatever a sender writes) cannot grow memory. A host with pending
// sequences keeps its clock (there are at most max_pending of those); a
// host without any is dropped when no event of it arrived since the
// previous sweep, and if that is not enough to stay within max_pending +
// kMinHostClockSweep, every host without one is. Sweeps run when the map
// has doubled since the last one, so they cost O(1) per new host.
// Forgetting a clock loses nothing that could alert: the host's next event
// starts it afresh, so at most a first-stage event that would have been
// "too old" is kept, and it expires at that host's next newer event.
void SequenceMatcher::SweepHostClocks() {
  last_host_ = nullptr;
  auto sweep = [this](bool only_unseen) {
    for (auto it = hosts_.begin(); it != hosts_.end();) {
      const bool unseen = it->second.seen_in_sweep < sweep_count_;
      if (it->second.pending.empty() && (unseen || !only_unseen)) {
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

void SequenceMatcher::Erase(std::map<AgeKey, Pending>::iterator it) {
  it->second.host->pending.erase(it->first);
  by_age_.erase(it);
}

void SequenceMatcher::Remove(std::map<AgeKey, Pending>::iterator it) {
  auto key_it = by_key_.find(it->second.join_key);
  if (key_it != by_key_.end()) {
    Slots& slots = key_it->second;
    auto& slot = slots[it->second.awaiting - 1];
    if (slot && *slot == it->first) slot.reset();
    if (std::none_of(slots.begin(), slots.end(), [](const auto& s) { return s.has_value(); })) {
      by_key_.erase(key_it);
    }
  }
  Erase(it);
}

void SequenceMatcher::Insert(AgeKey age, Pending pending) {
  Slots& slots = by_key_[pending.join_key];
  if (slots.empty()) slots.resize(query_.stages.size() - 1);
  auto& slot = slots[pending.awaiting - 1];
  if (slot) {
    // One pending sequence per key and stage: the newer one wins, by audit
    // order rather than arrival order (events may arrive slightly shuffled).
    auto existing = by_age_.find(*slot);
    if (pending.events.back().stamp < existing->second.events.back().stamp) return;
    Erase(existing);
    slot.reset();
  }
  slot = age;
  pending.host->pending.insert(age);
  by_age_.emplace(age, std::move(pending));
  // Fleet-wide cap, oldest audit time first whatever the host (the map is
  // ordered by first-event time, not by how far behind its own host's
  // clock a sequence is): simple, and only reached under a flood.
  while (by_age_.size() > max_pending_) {
    Remove(by_age_.begin());
    ++evicted_;
  }
}

void SequenceMatcher::ExpireBefore(HostClock& host, int64_t oldest_allowed_millis) {
  while (!host.pending.empty() && host.pending.begin()->first < oldest_allowed_millis) {
    Remove(by_age_.find(*host.pending.begin()));
    ++expired_;
  }
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
  const int64_t oldest_allowed = clock.newest_millis - query_.maxspan_millis;
  ExpireBefore(clock, oldest_allowed);

  // The join key is built only once some stage matches: most events match
  // none, and they must cost no allocation.
  std::string key;
  bool key_built = false;
  bool key_null = false;
  auto ensure_key = [&]() {
    if (!key_built) {
      key_null = !JoinKey(key);
      key_built = true;
    }
    return !key_null;
  };

  // Later stages first, so one event cannot advance a sequence and then
  // advance it again (or start a new one and complete it) within one call.
  for (size_t k = stage_count - 1; k >= 1; --k) {
    if (!evaluator_.Matches(query_.stages[k])) continue;
    if (!ensure_key()) return;  // a null join key never joins
    auto key_it = by_key_.find(key);
    if (key_it == by_key_.end() || !key_it->second[k - 1]) continue;
    const AgeKey age = *key_it->second[k - 1];
    auto it = by_age_.find(age);
    Pending& pending = it->second;
    const bool in_order = pending.events.back().stamp < event.stamp;
    const bool within_span = now - age.first <= query_.maxspan_millis;
    if (!in_order || !within_span) continue;

    Pending advanced;
    advanced.join_key = pending.join_key;
    advanced.awaiting = k + 1;
    advanced.events = std::move(pending.events);
    advanced.events.push_back(event);
    advanced.host = pending.host;  // still expires by its first event's host
    Remove(it);
    if (k + 1 == stage_count) {
      out.push_back(SequenceMatch{std::move(advanced.events)});
    } else {
      Insert(age, std::move(advanced));
    }
  }

  if (!evaluator_.Matches(query_.stages.front())) return;
  // A first event already too old to complete anything is not kept.
  if (now < oldest_allowed) return;
  if (!ensure_key()) return;
  Pending started;
  started.join_key = key;
  started.awaiting = 1;
  started.events.push_back(event);
  started.host = &clock;
  Insert(AgeKey{now, next_id_++}, std::move(started));
}

}  // namespace imds
