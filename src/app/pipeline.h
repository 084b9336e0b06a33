// The event path: a rebuilt audit event is enriched from the process table,
// evaluated by the rules, and every alert is handed to the sink.
#ifndef AUDISP_IMDS_APP_PIPELINE_H
#define AUDISP_IMDS_APP_PIPELINE_H

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "app/alert_limiter.h"
#include "event/ecs_event.h"
#include "output/sink.h"
#include "process/process_table.h"
#include "rule/rule_set.h"

namespace imds {

class Pipeline {
 public:
  // alerts() counts every completed sequence, delivered or suppressed.
  // The table outlives the pipeline; rules and sink are owned and may be
  // replaced (SIGHUP).
  Pipeline(ProcessTable& table, std::unique_ptr<RuleSet> rules, std::unique_ptr<AlertSink> sink);

  void OnEvent(EcsEvent&& event);

  // At most `limit` alerts per rule per host (host.id) per window of audit
  // time (0: no limit); each closed window with suppressed alerts goes to
  // `report`.
  using ReportFn = std::function<void(const SuppressionReport&)>;
  void SetAlertLimit(uint64_t limit, int64_t window_ms, ReportFn report);
  // Reports windows still open (at exit).
  void FlushSuppressionReports();

  void ReplaceRules(std::unique_ptr<RuleSet> rules);
  void ReplaceSink(std::unique_ptr<AlertSink> sink);

  RuleSet& rules() { return *rules_; }
  AlertSink& sink() { return *sink_; }
  uint64_t alerts() const { return alerts_; }
  uint64_t events_evaluated() const { return evaluated_; }
  uint64_t alerts_suppressed() const { return limiter_.suppressed_total(); }

 private:
  void CacheCategories();

  ProcessTable& table_;
  std::unique_ptr<RuleSet> rules_;
  std::unique_ptr<AlertSink> sink_;
  bool needs_process_ = true;
  bool needs_network_ = true;
  std::vector<Alert> scratch_;
  AlertLimiter limiter_{0, 0};
  ReportFn report_;
  std::vector<SuppressionReport> reports_;
  uint64_t alerts_ = 0;
  uint64_t evaluated_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_APP_PIPELINE_H
