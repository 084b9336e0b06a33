// Parser of the EQL subset that Elastic's IMDS rules use:
//
//   query     := sequence | event
//   sequence  := "sequence" ["by" field ("," field)*] "with" "maxspan" "=" DURATION
//                ("[" event "]"){2,}          ("by" may also follow "with")
//   event     := ("process" | "network" | "any") "where" or
//   or        := and ("or" and)*
//   and       := not ("and" not)*
//   not       := "not" not | "(" or ")" | field ("==" | "!=") value
//              | field ":" (value | "(" value ("," value)* ")")
//   value     := STRING | INTEGER | "null"          (null only with == and !=)
//
// Everything else EQL has (in, like, regex, functions, until, per-stage by,
// runs=, pipes, ~, <, >, other string forms) is refused with its position:
// a rule that silently meant something else would be worse than no rule.
#ifndef AUDISP_IMDS_RULE_PARSER_H
#define AUDISP_IMDS_RULE_PARSER_H

#include <string_view>
#include <variant>

#include "rule/ast.h"
#include "rule/rule_error.h"

namespace imds {

// Deepest nesting of parentheses and "not" accepted; deeper queries are
// refused instead of risking the stack.
constexpr int kMaxQueryNesting = 64;

// Errors carry positions inside `text` and an empty file name; the rule
// file loader maps them to positions in the file.
std::variant<AstQuery, RuleError> ParseQuery(std::string_view text);

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_PARSER_H
