#include "input/event_assembler.h"

#include <algorithm>
#include <utility>

namespace imds {

namespace {

// The seconds of an audit stamp "SECONDS.MILLIS:SERIAL" (ParseRecordHeader
// checked the digits); an absurd value saturates.
int64_t StampSeconds(std::string_view stamp) {
  int64_t seconds = 0;
  for (char c : stamp) {
    if (c < '0' || c > '9') break;
    if (seconds > (INT64_MAX - 9) / 10) return INT64_MAX / 2;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds;
}

// A slot whose records grew past this (megabyte arguments) gives the memory
// back when it is released.
constexpr size_t kKeptSlotCapacity = 64 * 1024;

}  // namespace

EventAssembler::EventAssembler(OnEvent on_event, size_t max_pending, size_t max_nodes)
    : on_event_(std::move(on_event)), max_pending_(std::max<size_t>(max_pending, 1)),
      max_nodes_(std::max<size_t>(max_nodes, 1)) {}

EventAssembler::Node& EventAssembler::NodeFor(std::string_view name, time_t now) {
  Node* node = last_node_;
  if (name.empty()) {
    node = &local_;
    last_node_ = node;
  } else if (node == nullptr || node->name != name) {
    auto it = nodes_.find(name);
    if (it != nodes_.end()) {
      node = it->second.get();
    } else {
      if (nodes_.size() >= max_nodes_) DropNode(*lru_.back());
      auto fresh = std::make_unique<Node>();
      fresh->name = std::string(name);
      node = fresh.get();
      nodes_.emplace(std::string_view(node->name), std::move(fresh));
      lru_.push_front(node);
      node->lru = lru_.begin();
    }
    if (node->lru != lru_.begin()) lru_.splice(lru_.begin(), lru_, node->lru);
    last_node_ = node;
  }
  node->last_fed = now;
  return *node;
}

void EventAssembler::DropNode(Node& node) {
  // Its events are delivered, never lost.
  while (!node.fifo.empty()) {
    const Ref ref = node.fifo.front();
    node.fifo.pop_front();
    if (ref.Live()) Complete(*ref.pending, true);
  }
  if (last_node_ == &node) last_node_ = nullptr;
  lru_.erase(node.lru);
  ++stats_.nodes_dropped;
  nodes_.erase(nodes_.find(std::string_view(node.name)));
}

void EventAssembler::Compact(std::deque<Ref>& fifo, size_t live) {
  // Stale refs (events completed out of order) pile up behind an old one;
  // rebuilding once they outnumber the live ones keeps this O(1) amortized.
  if (fifo.size() <= 2 * live + 32) return;
  fifo.erase(std::remove_if(fifo.begin(), fifo.end(), [](const Ref& r) { return !r.Live(); }), fifo.end());
}

EventAssembler::Pending& EventAssembler::Open(std::string_view key, Node& node, int64_t second) {
  while (by_key_.size() >= max_pending_ && !arrival_.empty()) {
    const Ref ref = arrival_.front();
    arrival_.pop_front();
    if (!ref.Live()) continue;
    ++stats_.events_capped;
    Complete(*ref.pending, true);
  }
  Pending* pending;
  if (!free_.empty()) {
    pending = free_.back();
    free_.pop_back();
  } else {
    slots_.push_back(std::make_unique<Pending>());
    pending = slots_.back().get();
  }
  pending->key.assign(key.data(), key.size());
  pending->node = &node;
  pending->second = second;
  pending->has_syscall = false;
  by_key_.emplace(std::string_view(pending->key), pending);
  const Ref ref{pending, pending->generation};
  node.fifo.push_back(ref);
  ++node.live;
  Compact(node.fifo, node.live);
  arrival_.push_back(ref);
  Compact(arrival_, by_key_.size());
  return *pending;
}

void EventAssembler::Complete(Pending& pending, bool cut) {
  by_key_.erase(std::string_view(pending.key));
  --pending.node->live;
  ++pending.generation;  // every ref to it is stale from here
  if (last_ == &pending) last_ = nullptr;
  if (cut) {
    ++stats_.events_cut;
  } else {
    ++stats_.events_complete;
  }
  on_event_(pending.records);
  pending.records.clear();
  if (pending.records.capacity() > kKeptSlotCapacity) std::string().swap(pending.records);
  free_.push_back(&pending);
}

void EventAssembler::CutOlderThan(Node& node, int64_t second) {
  while (!node.fifo.empty()) {
    const Ref ref = node.fifo.front();
    if (ref.Live() && ref.pending->second >= second) return;
    node.fifo.pop_front();
    if (ref.Live()) Complete(*ref.pending, true);
  }
}

void EventAssembler::Advance(Node& node, int64_t second) {
  if (second <= node.newest_second) return;
  node.newest_second = second;
  // libauparse's end_of_event_timeout, by audit time: an event more than
  // 2 s older than its node's newest record lost its end.
  if (node.live > 0) CutOlderThan(node, second - kEventTimeoutSeconds);
}

void EventAssembler::NoteTime(std::string_view node, std::string_view stamp, time_t now) {
  Advance(NodeFor(node, now), StampSeconds(stamp));
}

void EventAssembler::Add(const RecordHeader& header, std::string_view record, time_t now) {
  Node& node = NodeFor(header.node, now);
  const int64_t second = StampSeconds(header.stamp);
  Advance(node, second);

  Pending* pending = nullptr;
  if (last_ != nullptr && last_->node == &node &&
      std::string_view(last_->key).substr(node.name.size() + 1) == header.stamp) {
    pending = last_;  // the common case: the next record of the same event
  } else {
    key_.assign(node.name);
    key_ += '\0';
    key_.append(header.stamp.data(), header.stamp.size());
    if (auto it = by_key_.find(std::string_view(key_)); it != by_key_.end()) pending = it->second;
  }

  const std::string_view type = header.type;
  if (type == "EOE") {
    // An EOE of an event already complete (at its PROCTITLE) or never seen
    // starts nothing.
    if (pending != nullptr) {
      pending->records.append(record.data(), record.size());
      pending->records += '\n';
      Complete(*pending, false);
    }
    last_ = nullptr;
    return;
  }
  if (pending == nullptr) pending = &Open(key_, node, second);
  pending->records.append(record.data(), record.size());
  pending->records += '\n';
  pending->last_added = now;
  if (type == "SYSCALL") pending->has_syscall = true;
  if (type == "PROCTITLE" && pending->has_syscall) {
    Complete(*pending, false);  // the kernel's last record before EOE
    last_ = nullptr;
    return;
  }
  last_ = pending;
}

void EventAssembler::Age(time_t now, int64_t idle_ms, bool partial_line) {
  const bool grace_over = idle_ms >= kMidEventGraceSeconds * 1000;
  // A half-read line may be the next record of any pending event.
  if (partial_line && !grace_over) return;
  if (now == last_sweep_ && !grace_over) return;
  last_sweep_ = now;
  // Oldest first; the event the last record belonged to may still be
  // arriving until the grace is over.
  std::deque<Ref> kept;
  while (!arrival_.empty()) {
    const Ref ref = arrival_.front();
    if (!ref.Live()) {
      arrival_.pop_front();
      continue;
    }
    Pending& pending = *ref.pending;
    const bool still_arriving = &pending == last_ && !grace_over;
    if (still_arriving) {
      kept.push_back(ref);
      arrival_.pop_front();
      continue;
    }
    if (!grace_over && pending.second + kEventTimeoutSeconds > static_cast<int64_t>(now)) break;
    arrival_.pop_front();
    Complete(pending, true);
  }
  while (!kept.empty()) {
    arrival_.push_front(kept.back());
    kept.pop_back();
  }
  // Nodes silent and empty for long go, least recently fed first.
  while (!lru_.empty()) {
    Node& oldest = *lru_.back();
    if (oldest.live > 0 || &oldest == last_node_ || now - oldest.last_fed < kIdleNodeSeconds) break;
    DropNode(oldest);
  }
}

void EventAssembler::Flush() {
  while (!arrival_.empty()) {
    const Ref ref = arrival_.front();
    arrival_.pop_front();
    if (ref.Live()) Complete(*ref.pending, true);
  }
  last_ = nullptr;
}

bool EventAssembler::LastEventOpen() const { return last_ != nullptr; }

}  // namespace imds
