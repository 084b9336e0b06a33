#include "input/audit_feed.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

namespace imds {

bool IsAuditRecordLine(std::string_view line) { return ParseRecordHeader(line).has_value(); }

namespace {

// Records that come before the EOE of a multi-record (syscall) event.
bool IsInsideSyscallEvent(std::string_view type) {
  return type == "SYSCALL" || type == "EXECVE" || type == "CWD" || type == "PATH" || type == "SOCKADDR" ||
         type == "PROCTITLE" || type == "BPRM_FCAPS" || type == "SOCKETCALL" || type == "CAPSET" ||
         type == "MMAP" || type == "FD_PAIR" || type == "OBJ_PID" || type == "IPC" || type == "AVC";
}

// The seconds of an audit stamp "SECONDS.MILLIS:SERIAL" (ParseRecordHeader
// checked the digits); an absurd value saturates, which only keeps its feed
// counted as holding events until it is flushed.
int64_t StampSeconds(std::string_view stamp) {
  int64_t seconds = 0;
  for (char c : stamp) {
    if (c < '0' || c > '9') break;
    if (seconds > (INT64_MAX - 9) / 10) return INT64_MAX / 2;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds;
}

}  // namespace

std::unique_ptr<AuditFeed> AuditFeed::Create(EventBuilder builder, Sink sink, size_t max_line_bytes,
                                             size_t max_node_feeds) {
  auparse_state_t* au = auparse_init(AUSOURCE_FEED, nullptr);
  if (au == nullptr) return nullptr;
  return std::unique_ptr<AuditFeed>(
      new AuditFeed(au, std::move(builder), std::move(sink), max_line_bytes, max_node_feeds));
}

AuditFeed::AuditFeed(auparse_state_t* au, EventBuilder builder, Sink sink, size_t max_line_bytes,
                     size_t max_node_feeds)
    : builder_(std::move(builder)),
      sink_(std::move(sink)),
      max_line_bytes_(max_line_bytes),
      max_node_feeds_(std::max<size_t>(max_node_feeds, 1)),
      local_(std::make_unique<NodeFeed>(au, "")),
      current_(local_.get()) {
  // The object is heap-allocated by Create() and never moves, so `this`
  // stays valid as the callback's user data for the lifetime of every state.
  auparse_add_callback(au, &AuditFeed::OnEvent, this, nullptr);
}

// Node feeds first: they are listed in lru_ and holding_ by pointer.
AuditFeed::~AuditFeed() { nodes_.clear(); }

void AuditFeed::OnEvent(auparse_state_t* au, auparse_cb_event_t type, void* user_data) {
  if (type != AUPARSE_CB_EVENT_READY || user_data == nullptr) return;
  auto* self = static_cast<AuditFeed*>(user_data);
  // Nothing may unwind through libauparse's C frames.
  try {
    self->HandleEvent(au);
  } catch (...) {
    ++self->stats_.parse_errors;
  }
}

void AuditFeed::HandleEvent(auparse_state_t* au) {
  ++stats_.events_seen;
  BuildOutcome outcome = BuildOutcome::kIgnored;
  std::optional<EcsEvent> event = builder_.Build(au, &outcome);
  if (event) {
    ++stats_.events_rebuilt;
    if (sink_) sink_(std::move(*event));
  } else if (outcome == BuildOutcome::kMalformed) {
    ++stats_.parse_errors;
  }
}

void AuditFeed::SetInside(NodeFeed& feed, bool inside) {
  if (feed.inside_event == inside) return;
  feed.inside_event = inside;
  if (inside) {
    ++feeds_inside_event_;
  } else {
    --feeds_inside_event_;
  }
}

void AuditFeed::Hold(NodeFeed& feed) {
  if (feed.holding || &feed == local_.get()) return;
  feed.holding = true;
  feed.holding_index = holding_.size();
  holding_.push_back(&feed);
}

void AuditFeed::Unhold(NodeFeed& feed) {
  if (!feed.holding) return;
  NodeFeed* last = holding_.back();
  holding_[feed.holding_index] = last;
  last->holding_index = feed.holding_index;
  holding_.pop_back();
  feed.holding = false;
}

void AuditFeed::FeedRun(NodeFeed& feed, const char* data, size_t size) {
  if (size == 0) return;
  feed.unreleased = true;
  Hold(feed);
  // One line per auparse_feed call, whatever the cuts of the stream.
  // libauparse hands out an event that a record completed only when it
  // next starts a new event or at the start of its next call; and it hands
  // out the oldest event in flight first. Fed several lines at once, an
  // event whose EOE came before a record with an older time would wait for
  // that older event, fed up to its EOE it would not: the order of events,
  // and so the process table and the sequence rule, would depend on where
  // auditd's pipe cut the stream (fuzz/regressions/fuzz_feed has such a
  // stream). One line per call gives every stream the order of the
  // line-by-line reading. It also keeps a node state's buffer the size of
  // a line: there may be thousands of node states, each cold in the cache.
  // `data` is whole lines; it may start with the newline owed to the
  // previous run's cut record, which goes alone so that the record is read
  // before the next line arrives.
  const char* const end = data + size;
  while (data < end) {
    const auto* newline = static_cast<const char*>(std::memchr(data, '\n', static_cast<size_t>(end - data)));
    const char* next = newline ? newline + 1 : end;
    if (auparse_feed(feed.au, data, static_cast<size_t>(next - data)) < 0) ++stats_.parse_errors;
    data = next;
  }
}

void AuditFeed::DropNodeFeed(NodeFeed& feed) {
  // Flushed first: whatever it still holds is delivered, not lost.
  FlushFeed(feed);
  if (current_ == &feed) current_ = local_.get();
  lru_.erase(feed.lru);
  ++stats_.node_feeds_dropped;
  // By iterator: the key views the name that erasing destroys.
  nodes_.erase(nodes_.find(std::string_view(feed.node)));
}

void AuditFeed::SwitchTo(std::string_view node) {
  // One libauparse state released an event whose EOE had arrived at the
  // next record of any node; ask the previous feed for it now (an empty
  // feed only lets auparse hand over what it has completed).
  NodeFeed* previous = current_;
  if (previous->unreleased && !previous->inside_event) {
    previous->unreleased = false;
    if (auparse_feed(previous->au, "", 0) < 0) ++stats_.parse_errors;
  }
  if (node.empty()) {
    current_ = local_.get();
    return;
  }
  if (auto it = nodes_.find(node); it != nodes_.end()) {
    NodeFeed* feed = it->second.get();
    lru_.splice(lru_.begin(), lru_, feed->lru);
    current_ = feed;
    return;
  }
  if (nodes_.size() >= max_node_feeds_) DropNodeFeed(*lru_.back());
  auparse_state_t* au = auparse_init(AUSOURCE_FEED, nullptr);
  if (au == nullptr) {
    // Out of memory: the record goes to the local state (as before node
    // feeds existed), and the next record of the node tries again.
    current_ = local_.get();
    return;
  }
  auparse_add_callback(au, &AuditFeed::OnEvent, this, nullptr);
  auto feed = std::make_unique<NodeFeed>(au, node);
  NodeFeed* raw = feed.get();
  nodes_.emplace(std::string_view(raw->node), std::move(feed));
  lru_.push_front(raw);
  raw->lru = lru_.begin();
  current_ = raw;
}

void AuditFeed::FeedToAuparse(const char* data, size_t size) {
  // `data` is whole lines. Runs of record lines of one node go to its
  // auparse state (FeedRun: a line per call); anything else is cut out
  // (blank lines silently, others as errors), and so is the ENRICHED suffix
  // of a kept record: the run ends before its 0x1d and the next one starts
  // at its newline, which ends the record in auparse's buffer.
  now_ = time(nullptr);
  const char* const end = data + size;
  const char* run = data;  // the pending run belongs to current_
  // The pending run is only the newline owed to a cut record: a line left
  // out next can hand on its own newline instead, which saves a call.
  bool run_is_owed_newline = false;
  auto flush_run = [&](const char* run_end) {
    if (run_end > run) FeedRun(*current_, run, static_cast<size_t>(run_end - run));
  };
  auto leave_out = [&](const char* line, const char* newline, const char* next) {
    if (run_is_owed_newline && newline != nullptr) {
      run = newline;
      return;
    }
    flush_run(line);
    run = next;
    run_is_owed_newline = false;
  };
  for (const char* line = data; line < end;) {
    const auto* newline = static_cast<const char*>(std::memchr(line, '\n', static_cast<size_t>(end - line)));
    const char* next = newline ? newline + 1 : end;
    const std::string_view text(line, static_cast<size_t>((newline ? newline : end) - line));
    const std::optional<RecordHeader> header = ParseRecordHeader(text);
    if (!header) {
      leave_out(line, newline, next);
      if (!text.empty()) ++stats_.parse_errors;
      line = next;
      continue;
    }
    // Local records compare two empty views: no lookup on that path.
    if (header->node != current_->node) {
      flush_run(line);
      run = line;
      run_is_owed_newline = false;
      SwitchTo(header->node);
    }
    NodeFeed& feed = *current_;
    SetInside(feed, IsInsideSyscallEvent(header->type));
    feed.last_fed = now_;
    if (&feed != local_.get()) {
      const int64_t seconds = StampSeconds(header->stamp);
      if (seconds > feed.newest_second) feed.newest_second = seconds;
    }
    if (!filter_.Keep(*header)) {
      leave_out(line, newline, next);
      ++stats_.records_skipped;
    } else if (const size_t raw = WithoutEnrichment(header->body).size();
               raw < header->body.size() && newline != nullptr) {
      flush_run(header->body.data() + raw);
      run = newline;
      run_is_owed_newline = true;
    } else {
      run_is_owed_newline = false;
    }
    line = next;
  }
  flush_run(end);
}

void AuditFeed::Feed(const char* data, size_t size) {
  while (size > 0) {
    if (discarding_line_) {
      const auto* newline = static_cast<const char*>(std::memchr(data, '\n', size));
      if (newline == nullptr) return;
      discarding_line_ = false;
      size -= static_cast<size_t>(newline + 1 - data);
      data = newline + 1;
      continue;
    }
    const auto* first_newline = static_cast<const char*>(std::memchr(data, '\n', size));
    if (first_newline == nullptr) {
      if (partial_line_.size() + size > max_line_bytes_) {
        partial_line_.clear();
        discarding_line_ = true;
        ++stats_.parse_errors;
        return;
      }
      partial_line_.append(data, size);
      return;
    }
    if (!partial_line_.empty()) {
      // Complete the held-back line first, then pass the rest straight on.
      const auto head = static_cast<size_t>(first_newline + 1 - data);
      if (partial_line_.size() + head - 1 > max_line_bytes_) {
        ++stats_.parse_errors;
      } else {
        partial_line_.append(data, head);
        FeedToAuparse(partial_line_.data(), partial_line_.size());
      }
      partial_line_.clear();
      data += head;
      size -= head;
      continue;
    }
    const auto* last_newline = static_cast<const char*>(memrchr(data, '\n', size));
    const auto whole = static_cast<size_t>(last_newline + 1 - data);
    FeedToAuparse(data, whole);
    data += whole;
    size -= whole;
  }
}

void AuditFeed::AgeFeed(NodeFeed& feed, time_t now) {
  auparse_feed_age_events(feed.au);
  feed.unreleased = false;
  // auparse completed every event at least 2 s older than its own clock
  // reading (>= now), and delivered them: nothing of this feed is left.
  if (feed.holding && feed.newest_second < static_cast<int64_t>(now) - 2) Unhold(feed);
}

void AuditFeed::AgeEvents() {
  const time_t now = time(nullptr);
  AgeFeed(*local_, now);
  // Backwards: Unhold() moves the last entry into the freed slot.
  for (size_t i = holding_.size(); i-- > 0;) {
    if (i < holding_.size()) AgeFeed(*holding_[i], now);
  }
}

void AuditFeed::AgeEventsWhenIdle(int64_t idle_ms) {
  if (AtEventBoundary() || idle_ms >= kMidEventGraceSeconds * 1000) {
    AgeEvents();
  } else {
    AgeEventsAtBoundaries();
  }
}

void AuditFeed::AgeEventsAtBoundaries() {
  if (!partial_line_.empty() || discarding_line_) return;
  const time_t now = time(nullptr);
  // The event whose EOE just arrived, at once (as with one feed).
  if (!current_->inside_event) AgeFeed(*current_, now);
  if (now == last_sweep_) return;
  last_sweep_ = now;
  // Once a second, every other feed: events of a node that fell silent,
  // events whose EOE was lost (2 s), a node silent mid-event for the grace.
  auto due = [&](const NodeFeed& feed) {
    return !feed.inside_event || now - feed.last_fed >= kMidEventGraceSeconds;
  };
  if (local_.get() != current_ && due(*local_)) AgeFeed(*local_, now);
  for (size_t i = holding_.size(); i-- > 0;) {
    if (i >= holding_.size()) continue;
    NodeFeed& feed = *holding_[i];
    if (&feed != current_ && due(feed)) AgeFeed(feed, now);
  }
  // Idle and empty node feeds go (least recently fed first).
  while (!lru_.empty()) {
    NodeFeed& oldest = *lru_.back();
    if (oldest.holding || &oldest == current_ || now - oldest.last_fed < kIdleNodeFeedSeconds) break;
    DropNodeFeed(oldest);
  }
}

void AuditFeed::FlushFeed(NodeFeed& feed) {
  auparse_flush_feed(feed.au);
  SetInside(feed, false);
  feed.unreleased = false;
  Unhold(feed);
}

void AuditFeed::Flush() {
  if (!partial_line_.empty()) {
    partial_line_ += '\n';
    FeedToAuparse(partial_line_.data(), partial_line_.size());
    partial_line_.clear();
  }
  discarding_line_ = false;
  FlushFeed(*local_);
  // Least recently fed first, so the last records read come out last. A
  // feed neither holding nor inside an event has nothing left.
  for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
    NodeFeed& feed = **it;
    if (feed.holding || feed.inside_event || feed.unreleased) FlushFeed(feed);
  }
}

}  // namespace imds
