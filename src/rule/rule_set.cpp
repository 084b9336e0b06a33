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

namespace {

// The destination.ip values `expr` requires (false: none known).
bool RequiredDestinations(const CompiledExpr& expr, RuleSet::Destinations& out) {
  switch (expr.kind) {
    case CompiledExpr::Kind::kCompare:
      if (expr.field != FieldId::kDestinationIp) return false;
      if (expr.op == CompareOp::kEqual) {
        out.exact.push_back(expr.value);
        return true;
      }
      if (expr.op == CompareOp::kMatch) {
        for (const WildcardPattern& p : expr.patterns) {
          if (p.kind() != WildcardPattern::Kind::kLiteral) return false;
        }
        for (const WildcardPattern& p : expr.patterns) out.ignoring_case.push_back(p.pattern());
        return true;
      }
      return false;
    case CompiledExpr::Kind::kAnd:
      // One constrained conjunct is enough.
      for (const CompiledExpr& child : expr.children) {
        RuleSet::Destinations one;
        if (RequiredDestinations(child, one)) {
          out.exact.insert(out.exact.end(), one.exact.begin(), one.exact.end());
          out.ignoring_case.insert(out.ignoring_case.end(), one.ignoring_case.begin(), one.ignoring_case.end());
          return true;
        }
      }
      return false;
    case CompiledExpr::Kind::kOr:
      for (const CompiledExpr& child : expr.children) {
        if (!RequiredDestinations(child, out)) return false;
      }
      return true;
    case CompiledExpr::Kind::kNot:
      return false;
  }
  return false;
}

}  // namespace

std::optional<RuleSet::Destinations> RuleSet::NetworkDestinations() const {
  Destinations all;
  for (const Rule& rule : rules_) {
    for (const CompiledStage& stage : rule.query.stages) {
      if (!StageAccepts(stage.category, EventCategory::kNetwork)) continue;
      if (!RequiredDestinations(stage.condition, all)) return std::nullopt;
    }
  }
  return all;
}

}  // namespace imds
