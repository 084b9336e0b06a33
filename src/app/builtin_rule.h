// The default rule (rules/imds_v3.toml), compiled into the program.
#ifndef AUDISP_IMDS_APP_BUILTIN_RULE_H
#define AUDISP_IMDS_APP_BUILTIN_RULE_H

#include <string_view>

namespace imds {

std::string_view BuiltinRuleText();
// How errors and --check-config name it.
std::string_view BuiltinRuleName();

}  // namespace imds

#endif  // AUDISP_IMDS_APP_BUILTIN_RULE_H
