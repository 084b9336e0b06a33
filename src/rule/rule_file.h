// Loads a detection rule in the TOML layout of Elastic's detection-rules
// repository: [metadata], [rule] (name, rule_id, severity, risk_score,
// query...), [[rule.threat]] with its tactic and techniques. Keys the plugin
// does not use are ignored, so Elastic's files load unchanged. Every error,
// including one inside the EQL query, is reported at its line and column in
// the file.
#ifndef AUDISP_IMDS_RULE_RULE_FILE_H
#define AUDISP_IMDS_RULE_RULE_FILE_H

#include <string>
#include <string_view>
#include <variant>

#include "rule/rule.h"
#include "rule/rule_error.h"

namespace imds {

// Larger files are refused rather than read (a misconfigured path such as
// /dev/zero must not hang the plugin). Elastic's rule files are ~20 KiB.
constexpr size_t kMaxRuleFileBytes = 4 << 20;

std::variant<Rule, RuleError> LoadRuleFile(const std::string& path);

// The error for a rule file that cannot be opened (`error`: its errno), as
// LoadRuleFile words it.
RuleError RuleFileCannotBeOpened(const std::string& path, int error);

// `display_name` names the text in errors and becomes Rule::source.
std::variant<Rule, RuleError> LoadRuleText(std::string_view toml_text,
                                           const std::string& display_name);

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_RULE_FILE_H
