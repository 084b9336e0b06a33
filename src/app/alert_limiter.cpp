#include "app/alert_limiter.h"

namespace imds {

std::string SuppressionReport::ToString() const {
  return "rate limit: suppressed " + std::to_string(suppressed) + " alert(s) of rule " + rule_id + " (" +
         rule_name + ") between audit times " + std::to_string(window_start_ms / 1000) + "." +
         std::to_string(window_start_ms % 1000) + " and " + std::to_string(window_end_ms / 1000) + "." +
         std::to_string(window_end_ms % 1000) + " (raise limits.alerts_per_window to see them all)";
}

void AlertLimiter::Report(const std::string& id, const Window& w, std::vector<SuppressionReport>& reports) {
  if (w.suppressed == 0) return;
  reports.push_back(SuppressionReport{id, w.rule_name, w.suppressed, w.start_ms, w.last_ms});
}

bool AlertLimiter::Admit(const Alert& alert, std::vector<SuppressionReport>& reports) {
  if (limit_ == 0) return true;
  const int64_t t = alert.events.empty() ? 0 : alert.events.back().stamp.EpochMillis();
  auto [it, inserted] = windows_.try_emplace(alert.rule.id);
  Window& w = it->second;
  if (inserted || t >= w.start_ms + window_ms_) {
    if (!inserted) Report(it->first, w, reports);
    w = Window{alert.rule.name, t, t, 0, 0};
  }
  if (t > w.last_ms) w.last_ms = t;
  if (w.admitted < limit_) {
    ++w.admitted;
    return true;
  }
  ++w.suppressed;
  ++suppressed_total_;
  return false;
}

void AlertLimiter::Flush(std::vector<SuppressionReport>& reports) {
  for (auto& [id, w] : windows_) {
    Report(id, w, reports);
    w.suppressed = 0;
  }
}

}  // namespace imds
