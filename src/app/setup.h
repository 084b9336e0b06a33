// Everything the command line and the config file decide, loaded and
// validated as one value: at start and on every SIGHUP. Either all of it
// loads, or the first error is returned and nothing changes.
#ifndef AUDISP_IMDS_APP_SETUP_H
#define AUDISP_IMDS_APP_SETUP_H

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "app/command_line.h"
#include "config/config.h"
#include "output/sink.h"
#include "rule/rule.h"

namespace imds {

struct Setup {
  Config config;
  std::vector<Rule> rules;
};

// The first problem as "file:line:column: message".
std::variant<Setup, std::string> LoadSetup(const CommandLine& command_line);

// What --check-config prints: config source, output, each rule with its
// source, id, version, stages and fields read.
std::string DescribeSetup(const Setup& setup);

// True when both load the same rules from the same text, so a reload can
// keep the running matchers (and the sequences they are waiting on).
bool SameRules(const std::vector<Rule>& a, const std::vector<Rule>& b);

std::variant<std::unique_ptr<AlertSink>, std::string> MakeSink(const Config& config);

}  // namespace imds

#endif  // AUDISP_IMDS_APP_SETUP_H
