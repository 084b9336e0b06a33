// Alert storms: at most `limit` alerts per rule per host per window (in the
// spirit of Elastic's "100 alerts per execution" for a rule that runs every
// 5 minutes). The budget is per (rule, host.id), so on a collector one noisy
// host cannot use up the budget of every other host. The window runs on
// audit time (the alerting host's), not the wall clock, so a replay limits
// exactly as the live run did. What is suppressed is counted and reported
// once the window has ended (or at exit), so nothing disappears silently.
#ifndef AUDISP_IMDS_APP_ALERT_LIMITER_H
#define AUDISP_IMDS_APP_ALERT_LIMITER_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "output/alert.h"

namespace imds {

struct SuppressionReport {
  std::string rule_id;
  std::string rule_name;
  std::string host_id;
  uint64_t suppressed = 0;
  int64_t window_start_ms = 0;  // audit time, epoch milliseconds
  int64_t window_end_ms = 0;
  std::string ToString() const;
};

class AlertLimiter {
 public:
  // Windows kept at most (one per rule and host that alerted recently);
  // beyond it the least recently used are reported and forgotten.
  static constexpr size_t kDefaultMaxWindows = 8192;

  // limit 0: no limit. `max_windows` below 2 is treated as 2.
  AlertLimiter(uint64_t limit, int64_t window_ms, size_t max_windows = kDefaultMaxWindows);

  // Whether `alert` may go out. Windows that have ended append their report.
  bool Admit(const Alert& alert, std::vector<SuppressionReport>& reports);
  // Reports of every open window with suppressed alerts (at exit, reload).
  void Flush(std::vector<SuppressionReport>& reports);
  uint64_t suppressed_total() const { return suppressed_total_; }
  size_t windows() const { return windows_.size(); }

 private:
  using Key = std::pair<std::string, std::string>;  // rule id, host id
  struct Window {
    std::string rule_name;
    int64_t start_ms = 0;
    int64_t last_ms = 0;
    uint64_t admitted = 0;
    uint64_t suppressed = 0;
    uint64_t last_use = 0;  // uses_ when an alert last came through it
  };
  using Due = std::pair<int64_t, Key>;  // window end, window

  // Appends the report of `w` if it suppressed anything since the last one.
  void Report(const Key& key, Window& w, std::vector<SuppressionReport>& reports);
  void ForgetLeastRecentlyUsed(std::vector<SuppressionReport>& reports);

  uint64_t limit_;
  int64_t window_ms_;
  size_t max_windows_;
  std::map<Key, Window> windows_;
  // Windows holding suppressed alerts, by end time: reported as soon as any
  // alert's audit time passes their end, not only when their own rule and
  // host alert again (which may be never).
  std::set<Due> due_;
  uint64_t uses_ = 0;
  uint64_t suppressed_total_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_APP_ALERT_LIMITER_H
