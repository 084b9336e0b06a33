#include "app/alert_limiter.h"

#include <algorithm>
#include <cstdio>

namespace imds {

namespace {

// "1700000000.005": epoch seconds and zero-padded milliseconds.
std::string AuditTime(int64_t ms) {
  char text[48];
  std::snprintf(text, sizeof(text), "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return text;
}

}  // namespace

std::string SuppressionReport::ToString() const {
  return "rate limit: suppressed " + std::to_string(suppressed) + " alert(s) of rule " + rule_id + " (" +
         rule_name + ") on host " + host_id + " between audit times " + AuditTime(window_start_ms) + " and " +
         AuditTime(window_end_ms) + " (raise limits.alerts_per_window to see them all)";
}

AlertLimiter::AlertLimiter(uint64_t limit, int64_t window_ms, size_t max_windows)
    : limit_(limit), window_ms_(window_ms), max_windows_(std::max<size_t>(max_windows, 2)) {}

void AlertLimiter::Report(const Key& key, Window& w, std::vector<SuppressionReport>& reports) {
  if (w.suppressed == 0) return;
  due_.erase(Due{w.start_ms + window_ms_, key});
  reports.push_back(SuppressionReport{key.first, w.rule_name, key.second, w.suppressed, w.start_ms, w.last_ms});
  w.suppressed = 0;
}

// Bounds the windows (node= names are whatever a sender writes): every
// window not used by the last max_windows / 2 alerts is reported and
// forgotten. At most max_windows / 2 windows were used by those, so each
// pass frees at least half of them: O(1) per new window. A forgotten window
// only gives its rule and host a fresh budget early.
void AlertLimiter::ForgetLeastRecentlyUsed(std::vector<SuppressionReport>& reports) {
  const uint64_t keep_after = uses_ - std::min<uint64_t>(uses_, max_windows_ / 2);
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (it->second.last_use <= keep_after) {
      Report(it->first, it->second, reports);
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
}

bool AlertLimiter::Admit(const Alert& alert, std::vector<SuppressionReport>& reports) {
  if (limit_ == 0) return true;
  const int64_t t = alert.events.empty() ? 0 : alert.events.back().stamp.EpochMillis();
  // Report windows that have ended by this alert's audit time. On a
  // collector that is another host's clock: a report may come a little
  // early or late, never its count wrong (what is suppressed afterwards in
  // the same window is reported again).
  while (!due_.empty() && due_.begin()->first <= t) {
    const Key key = due_.begin()->second;
    Report(key, windows_.at(key), reports);
  }
  const std::string& host = alert.events.empty() ? std::string() : alert.events.back().host_id;
  auto [it, inserted] = windows_.try_emplace(Key{alert.rule.id, host});
  Window& w = it->second;
  if (inserted || t >= w.start_ms + window_ms_) {
    if (!inserted) Report(it->first, w, reports);
    w = Window{alert.rule.name, t, t, 0, 0, 0};
  }
  w.last_use = ++uses_;
  if (t > w.last_ms) w.last_ms = t;
  bool admitted = true;
  if (w.admitted < limit_) {
    ++w.admitted;
  } else {
    if (w.suppressed++ == 0) due_.emplace(w.start_ms + window_ms_, it->first);
    ++suppressed_total_;
    admitted = false;
  }
  if (inserted && windows_.size() > max_windows_) ForgetLeastRecentlyUsed(reports);
  return admitted;
}

void AlertLimiter::Flush(std::vector<SuppressionReport>& reports) {
  for (auto& [key, w] : windows_) Report(key, w, reports);
}

}  // namespace imds
