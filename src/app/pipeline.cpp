#include "app/pipeline.h"

#include <utility>

namespace imds {

Pipeline::Pipeline(ProcessTable& table, std::unique_ptr<RuleSet> rules, std::unique_ptr<AlertSink> sink)
    : table_(table), rules_(std::move(rules)), sink_(std::move(sink)) {
  CacheCategories();
}

void Pipeline::CacheCategories() {
  needs_process_ = rules_->NeedsCategory(EventCategory::kProcess);
  needs_network_ = rules_->NeedsCategory(EventCategory::kNetwork);
}

void Pipeline::OnEvent(EcsEvent&& event) {
  const bool is_process = event.category == EventCategory::kProcess;
  // Exec events always reach the table, even when no rule reads them: they
  // are how the table learns every parent's executable.
  if (is_process || needs_network_) table_.Enrich(event);
  if (is_process ? !needs_process_ : !needs_network_) return;
  if (event.table_only) return;  // no rule names its destination
  ++evaluated_;
  scratch_.clear();
  rules_->OnEvent(event, scratch_);
  for (const Alert& alert : scratch_) {
    ++alerts_;
    if (limiter_.Admit(alert, reports_)) sink_->Deliver(alert);
  }
  if (!reports_.empty()) {
    for (const auto& r : reports_) {
      if (report_) report_(r);
    }
    reports_.clear();
  }
}

void Pipeline::SetAlertLimit(uint64_t limit, int64_t window_ms, ReportFn report) {
  FlushSuppressionReports();
  limiter_ = AlertLimiter(limit, window_ms);
  report_ = std::move(report);
}

void Pipeline::FlushSuppressionReports() {
  limiter_.Flush(reports_);
  for (const auto& r : reports_) {
    if (report_) report_(r);
  }
  reports_.clear();
}

void Pipeline::ReplaceRules(std::unique_ptr<RuleSet> rules) {
  rules_ = std::move(rules);
  CacheCategories();
}

void Pipeline::ReplaceSink(std::unique_ptr<AlertSink> sink) { sink_ = std::move(sink); }

}  // namespace imds
