#include "rule/rule_set.h"

#include <algorithm>
#include <utility>

namespace imds {

RuleSet::RuleSet(std::vector<Rule> rules, size_t max_pending, int64_t lateness_millis)
    : rules_(std::move(rules)) {
  matchers_.reserve(rules_.size());
  for (const Rule& rule : rules_) matchers_.emplace_back(rule.query, max_pending, lateness_millis);
}

void RuleSet::OnEvent(const EcsEvent& event, std::vector<Alert>& out) {
  for (size_t i = 0; i < matchers_.size(); ++i) {
    scratch_.clear();
    matchers_[i].OnEvent(event, scratch_);
    for (SequenceMatch& match : scratch_) {
      out.push_back(Alert{rules_[i].meta, std::move(match.events)});
    }
  }
}

bool RuleSet::NeedsCategory(EventCategory category) const {
  for (const Rule& rule : rules_) {
    for (const CompiledStage& stage : rule.query.stages) {
      if (StageAccepts(stage.category, category)) return true;
    }
  }
  return false;
}

std::vector<FieldId> RuleSet::ReferencedFields() const {
  std::vector<FieldId> fields;
  for (const Rule& rule : rules_) {
    for (FieldId f : imds::ReferencedFields(rule.query)) fields.push_back(f);
  }
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  return fields;
}

size_t RuleSet::pending() const {
  size_t total = 0;
  for (const auto& m : matchers_) total += m.pending();
  return total;
}

uint64_t RuleSet::evicted() const {
  uint64_t total = 0;
  for (const auto& m : matchers_) total += m.evicted();
  return total;
}

uint64_t RuleSet::late_dropped() const {
  uint64_t total = 0;
  for (const auto& m : matchers_) total += m.late_dropped();
  return total;
}

}  // namespace imds
