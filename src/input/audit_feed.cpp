#include "input/audit_feed.h"

#include <utility>

namespace imds {

bool IsAuditRecordLine(std::string_view line) { return ParseRecordHeader(line).has_value(); }

std::unique_ptr<AuditFeed> AuditFeed::Create(EventBuilder builder, Sink sink, size_t max_line_bytes,
                                             size_t max_node_feeds, size_t max_pending_events) {
  auparse_state_t* au = auparse_init(AUSOURCE_FEED, nullptr);
  if (au == nullptr) return nullptr;
  return std::unique_ptr<AuditFeed>(new AuditFeed(au, std::move(builder), std::move(sink), max_line_bytes,
                                                  max_node_feeds, max_pending_events));
}

AuditFeed::AuditFeed(auparse_state_t* au, EventBuilder builder, Sink sink, size_t max_line_bytes,
                     size_t max_node_feeds, size_t max_pending_events)
    : builder_(std::move(builder)),
      sink_(std::move(sink)),
      au_(au),
      lines_(max_line_bytes),
      events_([this](std::string_view records) { ParseEvent(records); }, max_pending_events, max_node_feeds) {
  // Heap-allocated by Create() and never moved: `this` stays valid as the
  // callback's user data.
  auparse_add_callback(au_, &AuditFeed::OnAuparseEvent, this, nullptr);
}

AuditFeed::~AuditFeed() { auparse_destroy(au_); }

void AuditFeed::OnAuparseEvent(auparse_state_t* au, auparse_cb_event_t type, void* user_data) {
  if (type != AUPARSE_CB_EVENT_READY || user_data == nullptr) return;
  auto* self = static_cast<AuditFeed*>(user_data);
  ++self->handed_back_;
  // Nothing may unwind through libauparse's C frames; only building happens
  // here (an exception is an allocation failure on hostile input).
  try {
    BuildOutcome outcome = BuildOutcome::kIgnored;
    if (std::optional<EcsEvent> event = self->builder_.Build(au, &outcome)) {
      self->built_.push_back(std::move(*event));
    } else if (outcome == BuildOutcome::kMalformed) {
      ++self->stats_.parse_errors;
    }
  } catch (...) {
    ++self->stats_.parse_errors;
  }
}

void AuditFeed::Deliver(EcsEvent&& event) {
  ++stats_.events_rebuilt;
  if (!sink_) return;
  try {
    sink_(std::move(event));
  } catch (...) {
    ++stats_.pipeline_errors;
  }
}

void AuditFeed::ParseEvent(std::string_view records) {
  // Most connects go nowhere a rule looks (AF_UNIX sockets, a service's
  // peers): decided from their text, they never cost libauparse a parse.
  switch (builder_.TriageRecords(records, light_)) {
    case Triage::kNotAnEvent:
      ++stats_.events_triaged;
      return;
    case Triage::kTableOnly:
      ++stats_.events_triaged;
      Deliver(std::move(light_));
      return;
    case Triage::kBuild:
      break;
  }
  ++fed_;
  ++stats_.events_seen;
  if (auparse_feed(au_, records.data(), records.size()) < 0) ++stats_.parse_errors;
  // The event is whole; flushing makes libauparse hand it over now and
  // leaves it holding nothing.
  auparse_flush_feed(au_);
  for (EcsEvent& event : built_) Deliver(std::move(event));
  built_.clear();
}

void AuditFeed::RouteLine(std::string_view line) {
  const std::optional<RecordHeader> header = ParseRecordHeader(line);
  if (!header) {
    if (!line.empty()) ++stats_.parse_errors;
    return;
  }
  if (!filter_.Keep(*header)) {
    ++stats_.records_skipped;
    events_.NoteTime(header->node, header->stamp, now_);
    return;
  }
  // libauparse reads the kernel's fields only, never auditd's ENRICHED
  // suffix (a process can forge text that looks like one).
  const std::string_view raw_body = WithoutEnrichment(header->body);
  const auto record_size = static_cast<size_t>(raw_body.data() + raw_body.size() - line.data());
  events_.Add(*header, line.substr(0, record_size), now_);
}

void AuditFeed::Feed(const char* data, size_t size) {
  now_ = time(nullptr);
  lines_.Feed(data, size, [this](std::string_view line) { RouteLine(line); });
}

void AuditFeed::Age(int64_t idle_ms) { events_.Age(time(nullptr), idle_ms, lines_.HoldsPartialLine()); }

void AuditFeed::Flush() {
  now_ = time(nullptr);
  lines_.Flush([this](std::string_view line) { RouteLine(line); });
  events_.Flush();
}

AuditFeedStats AuditFeed::stats() const {
  AuditFeedStats out = stats_;
  out.parse_errors += lines_.dropped_lines();
  out.events_cut = events_.stats().events_cut;
  out.node_feeds_dropped = events_.stats().nodes_dropped;
  return out;
}

}  // namespace imds
