// One alert: a completed rule sequence, with the rule's metadata and the
// events of each stage in order (for the IMDS rule: the exec, then the
// connect). Plain data so that formatting can be tested without a rule
// engine.
#ifndef AUDISP_IMDS_OUTPUT_ALERT_H
#define AUDISP_IMDS_OUTPUT_ALERT_H

#include <string>
#include <vector>

#include "event/ecs_event.h"

namespace imds {

struct AlertThreat {
  std::string framework;       // "MITRE ATT&CK"
  std::string tactic_id;       // "TA0006"
  std::string tactic_name;     // "Credential Access"
  std::string technique_id;    // "T1552"
  std::string technique_name;  // "Unsecured Credentials"
  std::vector<std::string> subtechnique_ids;  // {"T1552.005"}
};

struct AlertRule {
  std::string name;
  std::string id;        // rule_id
  std::string version;   // [rule] version, else [metadata] updated_date
  std::string severity;  // "medium"
  int risk_score = 0;    // 47
  std::vector<AlertThreat> threats;
};

struct Alert {
  AlertRule rule;
  std::vector<EcsEvent> events;  // one per sequence stage, in stage order
};

}  // namespace imds

#endif  // AUDISP_IMDS_OUTPUT_ALERT_H
