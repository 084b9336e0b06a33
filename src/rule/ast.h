// Syntax tree of one EQL query of the supported subset, as written: field
// names are still text and patterns still strings (the compiler resolves and
// compiles them). Every node keeps its position for error messages.
#ifndef AUDISP_IMDS_RULE_AST_H
#define AUDISP_IMDS_RULE_AST_H

#include <cstdint>
#include <string>
#include <vector>

#include "rule/lexer.h"

namespace imds {

struct AstLiteral {
  enum class Kind { kString, kInteger, kNull };
  Kind kind = Kind::kString;
  std::string text;  // decoded string, or the integer in decimal
  QueryPosition position;
};

enum class AstCompareOp {
  kEqual,     // ==  exact, case-sensitive
  kNotEqual,  // !=  not (==)
  kMatch,     // :   case-insensitive wildcard, list = any element
};

struct AstExpr {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  QueryPosition position;

  std::vector<AstExpr> children;  // kAnd/kOr: two or more; kNot: one

  // kCompare
  std::string field;
  QueryPosition field_position;
  AstCompareOp op = AstCompareOp::kEqual;
  std::vector<AstLiteral> values;  // one, or the elements of "(v1, v2...)" for ":"
  bool is_list = false;            // written as a parenthesised list
};

struct AstEventQuery {
  std::string category;  // "process", "network" or "any"
  QueryPosition position;
  AstExpr condition;
};

struct AstField {
  std::string name;
  QueryPosition position;
};

struct AstQuery {
  bool is_sequence = false;
  std::vector<AstField> join_keys;  // sequence by ...
  int64_t maxspan_millis = 0;       // sequence with maxspan=...
  std::string maxspan_text;         // as written, e.g. "1s"
  std::vector<AstEventQuery> stages;  // one for a single-event query
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_AST_H
