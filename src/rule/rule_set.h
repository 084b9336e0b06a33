// The loaded rules, each with its own sequence matcher: what the pipeline
// feeds every event to and collects alerts from.
#ifndef AUDISP_IMDS_RULE_RULE_SET_H
#define AUDISP_IMDS_RULE_RULE_SET_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "event/ecs_event.h"
#include "event/field.h"
#include "output/alert.h"
#include "rule/rule.h"
#include "rule/sequence_matcher.h"

namespace imds {

class RuleSet {
 public:
  RuleSet() = default;
  // `max_pending` bounds each rule's kept sequence state; events up to
  // `lateness_millis` behind their host's newest are still judged by their
  // own timestamps (SequenceMatcher).
  explicit RuleSet(std::vector<Rule> rules,
                   size_t max_pending = SequenceMatcher::kDefaultMaxPending,
                   int64_t lateness_millis = SequenceMatcher::kDefaultLatenessMillis);

  // Appends one alert per completed sequence (or single-event match).
  void OnEvent(const EcsEvent& event, std::vector<Alert>& out);

  // Whether any rule has a stage that events of `category` can match: the
  // pipeline need not build events no rule reads.
  bool NeedsCategory(EventCategory category) const;
  // Every field any rule reads, each once.
  std::vector<FieldId> ReferencedFields() const;

  // The destination addresses without which no network event can match any
  // rule: every stage that accepts network events requires destination.ip
  // to be one of them (== values exactly; ':' literals ignoring case).
  // nullopt when some stage accepts a network event whatever its address.
  struct Destinations {
    std::vector<std::string> exact;
    std::vector<std::string> ignoring_case;
  };
  std::optional<Destinations> NetworkDestinations() const;

  const std::vector<Rule>& rules() const { return rules_; }
  size_t size() const { return rules_.size(); }
  size_t pending() const;   // over all rules
  uint64_t evicted() const;  // over all rules
  uint64_t late_dropped() const;  // over all rules

 private:
  std::vector<Rule> rules_;
  std::vector<SequenceMatcher> matchers_;  // matchers_[i] runs rules_[i]
  std::vector<SequenceMatch> scratch_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_RULE_SET_H
