// A rule that cannot be loaded is reported, never half-loaded: every layer of
// the rule engine returns this value instead of throwing, and it always says
// where (file, line, column) and what.
#ifndef AUDISP_IMDS_RULE_RULE_ERROR_H
#define AUDISP_IMDS_RULE_RULE_ERROR_H

#include <string>

namespace imds {

struct RuleError {
  std::string file;  // display name of the rule file; empty for a bare query
  int line = 0;      // 1-based; 0 when the error has no position (unreadable file)
  int column = 0;    // 1-based, in Unicode code points like toml++
  std::string message;

  // "file:line:column: message"; without a position "file: message".
  std::string ToString() const;
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_RULE_ERROR_H
