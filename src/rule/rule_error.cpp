#include "rule/rule_error.h"

namespace imds {

std::string RuleError::ToString() const {
  std::string out = file.empty() ? std::string("<query>") : file;
  if (line > 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace imds
