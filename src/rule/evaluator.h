// Evaluates compiled conditions against events (semantics.md, "Matching"):
//   ":"  some value matches some pattern, ignoring ASCII case;
//   "==" some value equals the literal exactly; "!=" is "not ==";
//   a null field: "== null" true, "!= null" false, ":" and "==" false.
//
// An Evaluator keeps one FieldValues scratch object per field and collects
// each field at most once per bound event, so evaluating a rule allocates
// nothing once the scratch buffers have grown.
#ifndef AUDISP_IMDS_RULE_EVALUATOR_H
#define AUDISP_IMDS_RULE_EVALUATOR_H

#include <cstdint>
#include <memory>

#include "event/ecs_event.h"
#include "event/field.h"
#include "rule/compiler.h"

namespace imds {

class Evaluator {
 public:
  Evaluator();

  // Makes `event` the one evaluated next. Values collected for the previous
  // event are forgotten; `event` must outlive the following calls.
  void Bind(const EcsEvent& event);

  bool Matches(const CompiledExpr& expr);
  // The stage's category test first (free), then its condition.
  bool Matches(const CompiledStage& stage);

  // Values of `field` in the bound event (collected on first use).
  const FieldValues& Values(FieldId field);

 private:
  bool MatchesComparison(const CompiledExpr& expr);

  const EcsEvent* event_ = nullptr;
  uint64_t generation_ = 1;  // bumped by Bind; a slot is fresh when its stamp equals it
  size_t field_count_ = 0;
  std::unique_ptr<FieldValues[]> values_;
  std::unique_ptr<uint64_t[]> collected_in_;
};

// Convenience for tests and one-off checks; allocates its scratch each call.
bool Matches(const CompiledExpr& expr, const EcsEvent& event);

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_EVALUATOR_H
