// Alert storms: at most `limit` alerts per rule per window (in the spirit of
// Elastic's "100 alerts per execution" for a rule that runs every 5 minutes).
// The window runs on audit time, not the wall clock, so a replay limits
// exactly as the live run did. What is suppressed is counted and reported
// once when the window closes (or at exit), so nothing disappears silently.
#ifndef AUDISP_IMDS_APP_ALERT_LIMITER_H
#define AUDISP_IMDS_APP_ALERT_LIMITER_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "output/alert.h"

namespace imds {

struct SuppressionReport {
  std::string rule_id;
  std::string rule_name;
  uint64_t suppressed = 0;
  int64_t window_start_ms = 0;  // audit time, epoch milliseconds
  int64_t window_end_ms = 0;
  std::string ToString() const;
};

class AlertLimiter {
 public:
  // limit 0: no limit.
  AlertLimiter(uint64_t limit, int64_t window_ms) : limit_(limit), window_ms_(window_ms) {}

  // Whether `alert` may go out. Closing windows append their report.
  bool Admit(const Alert& alert, std::vector<SuppressionReport>& reports);
  // Reports of every open window with suppressed alerts (at exit, reload).
  void Flush(std::vector<SuppressionReport>& reports);
  uint64_t suppressed_total() const { return suppressed_total_; }

 private:
  struct Window {
    std::string rule_name;
    int64_t start_ms = 0;
    int64_t last_ms = 0;
    uint64_t admitted = 0;
    uint64_t suppressed = 0;
  };
  static void Report(const std::string& id, const Window& w, std::vector<SuppressionReport>& reports);

  uint64_t limit_;
  int64_t window_ms_;
  std::map<std::string, Window> windows_;  // by rule id
  uint64_t suppressed_total_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_APP_ALERT_LIMITER_H
