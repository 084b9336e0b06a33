#include "rule/evaluator.h"

#include <algorithm>

namespace imds {

namespace {

size_t FieldSlots() {
  size_t slots = 0;
  for (FieldId id : AllFields()) slots = std::max(slots, static_cast<size_t>(id) + 1);
  return slots;
}

}  // namespace

Evaluator::Evaluator()
    : field_count_(FieldSlots()),
      values_(new FieldValues[field_count_]),
      collected_in_(new uint64_t[field_count_]()) {}

void Evaluator::Bind(const EcsEvent& event) {
  event_ = &event;
  ++generation_;
}

const FieldValues& Evaluator::Values(FieldId field) {
  const auto slot = static_cast<size_t>(field);
  if (collected_in_[slot] != generation_) {
    CollectFieldValues(*event_, field, values_[slot]);
    collected_in_[slot] = generation_;
  }
  return values_[slot];
}

bool Evaluator::Matches(const CompiledStage& stage) {
  return StageAccepts(stage.category, event_->category) && Matches(stage.condition);
}

bool Evaluator::Matches(const CompiledExpr& expr) {
  switch (expr.kind) {
    case CompiledExpr::Kind::kAnd:
      for (const auto& child : expr.children) {
        if (!Matches(child)) return false;
      }
      return true;
    case CompiledExpr::Kind::kOr:
      for (const auto& child : expr.children) {
        if (Matches(child)) return true;
      }
      return false;
    case CompiledExpr::Kind::kNot:
      return !Matches(expr.children.front());
    case CompiledExpr::Kind::kCompare:
      return MatchesComparison(expr);
  }
  return false;
}

bool Evaluator::MatchesComparison(const CompiledExpr& expr) {
  const FieldValues& field = Values(expr.field);
  switch (expr.op) {
    case CompareOp::kIsNull:
      return field.is_null();
    case CompareOp::kIsNotNull:
      return !field.is_null();
    case CompareOp::kEqual:
    case CompareOp::kNotEqual: {
      bool any = false;
      for (std::string_view v : field.values()) {
        if (v == expr.value) {
          any = true;
          break;
        }
      }
      return expr.op == CompareOp::kEqual ? any : !any;
    }
    case CompareOp::kMatch:
      for (std::string_view v : field.values()) {
        for (const WildcardPattern& p : expr.patterns) {
          if (p.Matches(v)) return true;
        }
      }
      return false;
  }
  return false;
}

bool Matches(const CompiledExpr& expr, const EcsEvent& event) {
  Evaluator evaluator;
  evaluator.Bind(event);
  return evaluator.Matches(expr);
}

}  // namespace imds
