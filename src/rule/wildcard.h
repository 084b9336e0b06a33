// EQL wildcard patterns, as used by the ":" operator: "*" matches any run of
// characters (including "/"), "?" exactly one character, everything else is
// literal. Comparison folds ASCII case only; other bytes compare exactly, so
// binary and invalid UTF-8 input is matched byte for byte.
//
// A pattern is compiled once, when the rule is loaded: the common shapes
// (literal, "abc*", "*abc", "*abc*") get fast paths, everything else an
// iterative greedy matcher whose cost is at most |pattern| * |text| (no
// recursion, no exponential backtracking on inputs chosen by an attacker).
#ifndef AUDISP_IMDS_RULE_WILDCARD_H
#define AUDISP_IMDS_RULE_WILDCARD_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imds {

class WildcardPattern {
 public:
  enum class Kind {
    kLiteral,   // no wildcard: case-insensitive equality
    kAnything,  // "*" (or "**"...): every value
    kPrefix,    // "abc*"
    kSuffix,    // "*abc"
    kContains,  // "*abc*"
    kGeneral,   // anything else, e.g. "/etc/rc*.d/*", "?"
  };

  explicit WildcardPattern(std::string_view pattern);

  bool Matches(std::string_view text) const;

  // The pattern as written in the rule.
  const std::string& pattern() const { return pattern_; }
  Kind kind() const { return kind_; }

 private:
  bool MatchesGeneral(std::string_view text) const;
  bool Contains(std::string_view text) const;

  std::string pattern_;
  Kind kind_ = Kind::kLiteral;
  // Lower-cased: the literal part for the fast paths; for kGeneral the whole
  // pattern with runs of "*" collapsed to one.
  std::string folded_;
  // Knuth-Morris-Pratt failure table of folded_ for kContains, so a hostile
  // command line cannot make the substring search quadratic.
  std::vector<uint32_t> failure_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_WILDCARD_H
