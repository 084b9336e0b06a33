#include "input/audit_feed.h"

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

}  // namespace

std::unique_ptr<AuditFeed> AuditFeed::Create(EventBuilder builder, Sink sink, size_t max_line_bytes) {
  auparse_state_t* au = auparse_init(AUSOURCE_FEED, nullptr);
  if (au == nullptr) return nullptr;
  return std::unique_ptr<AuditFeed>(new AuditFeed(au, std::move(builder), std::move(sink), max_line_bytes));
}

AuditFeed::AuditFeed(auparse_state_t* au, EventBuilder builder, Sink sink, size_t max_line_bytes)
    : au_(au), builder_(std::move(builder)), sink_(std::move(sink)), max_line_bytes_(max_line_bytes) {
  // The object is heap-allocated by Create() and never moves, so `this`
  // stays valid as the callback's user data for the lifetime of au_.
  auparse_add_callback(au_, &AuditFeed::OnEvent, this, nullptr);
}

AuditFeed::~AuditFeed() { auparse_destroy(au_); }

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

void AuditFeed::FeedToAuparse(const char* data, size_t size) {
  // `data` is whole lines. Runs of record lines go to auparse in one call;
  // anything else is cut out (blank lines silently, others as errors).
  const char* const end = data + size;
  const char* run = data;
  auto flush_run = [&](const char* run_end) {
    if (run_end > run && auparse_feed(au_, run, static_cast<size_t>(run_end - run)) < 0) ++stats_.parse_errors;
  };
  for (const char* line = data; line < end;) {
    const auto* newline = static_cast<const char*>(std::memchr(line, '\n', static_cast<size_t>(end - line)));
    const char* next = newline ? newline + 1 : end;
    const std::string_view text(line, static_cast<size_t>((newline ? newline : end) - line));
    const std::optional<RecordHeader> header = ParseRecordHeader(text);
    if (header) inside_event_ = IsInsideSyscallEvent(header->type);
    if (!header) {
      flush_run(line);
      run = next;
      if (!text.empty()) ++stats_.parse_errors;
    } else if (!filter_.Keep(*header)) {
      flush_run(line);
      run = next;
      ++stats_.records_skipped;
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

void AuditFeed::AgeEvents() { auparse_feed_age_events(au_); }

void AuditFeed::Flush() {
  if (!partial_line_.empty()) {
    partial_line_ += '\n';
    FeedToAuparse(partial_line_.data(), partial_line_.size());
    partial_line_.clear();
  }
  discarding_line_ = false;
  inside_event_ = false;
  auparse_flush_feed(au_);
}

}  // namespace imds
