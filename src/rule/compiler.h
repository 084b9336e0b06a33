// The executable form of a query: field names resolved to FieldId (a field
// the plugin cannot supply is an error, never a silent null), wildcard
// patterns compiled once, and/or chains flattened. ToCanonicalString prints
// it back as EQL in one normal form, which tests and --check-config use.
#ifndef AUDISP_IMDS_RULE_COMPILER_H
#define AUDISP_IMDS_RULE_COMPILER_H

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "event/ecs_event.h"
#include "event/field.h"
#include "rule/ast.h"
#include "rule/rule_error.h"
#include "rule/wildcard.h"

namespace imds {

enum class StageCategory { kProcess, kNetwork, kAny };

// Whether events of `category` can match a stage of `stage` category.
bool StageAccepts(StageCategory stage, EventCategory category);

enum class CompareOp {
  kIsNull,     // f == null
  kIsNotNull,  // f != null
  kEqual,      // f == "v": some value equals v exactly
  kNotEqual,   // f != "v": exactly not (f == "v"), so true for a null field
  kMatch,      // f : ("p", ...): some value matches some pattern, ignoring case
};

struct CompiledExpr {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  std::vector<CompiledExpr> children;  // kAnd/kOr: two or more (never nested alike); kNot: one

  // kCompare
  FieldId field = FieldId::kHostId;
  CompareOp op = CompareOp::kIsNull;
  std::string value;                      // kEqual / kNotEqual; integers in decimal
  std::vector<WildcardPattern> patterns;  // kMatch
};

struct CompiledStage {
  StageCategory category = StageCategory::kAny;
  CompiledExpr condition;
};

struct CompiledQuery {
  bool is_sequence = false;      // false: one stage, every match is a result
  std::vector<FieldId> join_keys;
  int64_t maxspan_millis = 0;
  std::vector<CompiledStage> stages;
};

// Errors carry the position inside the query text (file left empty).
std::variant<CompiledQuery, RuleError> CompileQuery(const AstQuery& query);

// ParseQuery + CompileQuery.
std::variant<CompiledQuery, RuleError> CompileQueryText(std::string_view text);

std::string ToCanonicalString(const CompiledQuery& query);
std::string ToCanonicalString(const CompiledExpr& expr);

// Every field the query reads (join keys included), each once, in FieldId order.
std::vector<FieldId> ReferencedFields(const CompiledQuery& query);

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_COMPILER_H
