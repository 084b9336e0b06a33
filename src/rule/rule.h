// One loaded detection rule: the metadata an alert carries and the compiled
// query that decides when to raise it.
#ifndef AUDISP_IMDS_RULE_RULE_H
#define AUDISP_IMDS_RULE_RULE_H

#include <string>

#include "output/alert.h"
#include "rule/compiler.h"

namespace imds {

struct Rule {
  AlertRule meta;
  CompiledQuery query;
  std::string source;      // the file (or display name) it was loaded from
  std::string query_text;  // the EQL text as written in the file
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_RULE_H
