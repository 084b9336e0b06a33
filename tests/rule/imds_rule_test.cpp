// The two shipped IMDS rules, end to end on hand-built events: load the
// file, feed an exec and a connect through a RuleSet, look at the alerts.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "rule/rule_file.h"
#include "rule/rule_set.h"
#include "test_events.h"

namespace imds {
namespace {

using testing_events::Connect;
using testing_events::Exec;

const std::string kV3 = IMDS_SOURCE_DIR "/rules/imds_v3.toml";
const std::string kUpstream =
    IMDS_SOURCE_DIR
    "/rules/upstream/credential_access_unusual_instance_metadata_service_api_request.toml";

RuleSet Load(const std::string& path) {
  auto result = LoadRuleFile(path);
  if (auto* error = std::get_if<RuleError>(&result)) {
    ADD_FAILURE() << error->ToString();
    return RuleSet();
  }
  std::vector<Rule> rules;
  rules.push_back(std::get<Rule>(std::move(result)));
  return RuleSet(std::move(rules));
}

// Feeds `exec` then a connect to the IMDS `delay_ms` later (same host and
// parent) into a fresh copy of the rule; returns the alerts.
std::vector<Alert> ExecThenConnect(const std::string& rule, const EcsEvent& exec, int64_t delay_ms = 200) {
  RuleSet rules = Load(rule);
  std::vector<Alert> alerts;
  rules.OnEvent(exec, alerts);
  EcsEvent connect = Connect(exec.stamp.EpochMillis() - testing_events::At(0, 0).EpochMillis() +
                                 delay_ms,
                             exec.stamp.serial + 1);
  connect.parent_entity_id = exec.parent_entity_id;
  connect.host_id = exec.host_id;
  rules.OnEvent(connect, alerts);
  return alerts;
}

bool Alerts(const std::string& rule, const EcsEvent& exec, int64_t delay_ms = 200) {
  return !ExecThenConnect(rule, exec, delay_ms).empty();
}

// An exec that both rules flag: curl fetching credentials.
EcsEvent CurlExec() {
  return Exec(1000, 10, "/usr/bin/curl",
              "curl http://169.254.169.254/latest/meta-data/iam/security-credentials/");
}

TEST(ImdsV3Test, CurlThenImdsConnectWithinOneSecondAlertsWithTheRuleAndBothEvents) {
  const auto alerts = ExecThenConnect(kV3, CurlExec(), 1000);
  ASSERT_EQ(alerts.size(), 1u);
  const Alert& alert = alerts[0];
  EXPECT_EQ(alert.rule.name, "Unusual Instance Metadata Service (IMDS) API Request");
  EXPECT_EQ(alert.rule.version, "3");
  EXPECT_EQ(alert.rule.risk_score, 47);
  ASSERT_EQ(alert.events.size(), 2u);
  EXPECT_EQ(alert.events[0].executable, std::vector<std::string>{"/usr/bin/curl"});
  EXPECT_EQ(alert.events[1].destination_ip, "169.254.169.254");
  EXPECT_EQ(alert.events[0].stamp.serial, 10u);
  EXPECT_EQ(alert.events[1].stamp.serial, 11u);
}

TEST(ImdsV3Test, ConnectMoreThanOneSecondLaterDoesNotAlert) {
  EXPECT_FALSE(Alerts(kV3, CurlExec(), 1001));
}

TEST(ImdsV3Test, ConnectElsewhereDoesNotAlert) {
  RuleSet rules = Load(kV3);
  std::vector<Alert> alerts;
  rules.OnEvent(CurlExec(), alerts);
  rules.OnEvent(Connect(1100, 11, "10.0.0.1"), alerts);
  rules.OnEvent(Connect(1100, 12, "169.254.169.253"), alerts);
  EXPECT_TRUE(alerts.empty());
}

TEST(ImdsV3Test, EachInclusionAloneSufficesAndCaseIsIgnored) {
  EXPECT_TRUE(Alerts(kV3, Exec(1000, 10, "/usr/bin/python3.11", "python3 -c x")));
  EXPECT_TRUE(Alerts(kV3, Exec(1000, 10, "/usr/bin/WGET", "WGET -q x")));
  EXPECT_TRUE(Alerts(kV3, Exec(1000, 10, "/tmp/dropper", "/tmp/dropper")));
  EXPECT_TRUE(Alerts(kV3, Exec(1000, 10, "/ETC/RC3.D/S01x", "S01x")));
  EXPECT_TRUE(Alerts(kV3, Exec(1000, 10, "/usr/local/bin/tool", "tool 169.254.169.254")));
  EXPECT_FALSE(Alerts(kV3, Exec(1000, 10, "/usr/local/bin/tool", "tool --get")));
  // bash is only in the upstream revision's list.
  EXPECT_FALSE(Alerts(kV3, Exec(1000, 10, "/usr/bin/bash", "bash -c x")));
}

TEST(ImdsV3Test, ShebangScriptMatchesThroughItsSecondExecutableValue) {
  EcsEvent exec = Exec(1000, 10, "/usr/bin/env", "env script");
  EXPECT_FALSE(Alerts(kV3, exec));
  exec.executable.push_back("/var/tmp/script");
  EXPECT_TRUE(Alerts(kV3, exec));
}

TEST(ImdsV3Test, ExecWithoutAKnownParentExecutableDoesNotAlert) {
  EcsEvent exec = CurlExec();
  exec.parent_executable.reset();
  EXPECT_FALSE(Alerts(kV3, exec));
}

struct Exclusion {
  const char* name;
  std::function<void(EcsEvent&)> apply;
};

// For every exclusion: the same exec alerts without it (so the test can
// fail) and does not with it.
void ExpectEachExclusionSuppresses(const std::string& rule, const std::vector<Exclusion>& list) {
  for (const Exclusion& exclusion : list) {
    EcsEvent exec = CurlExec();
    EXPECT_TRUE(Alerts(rule, exec)) << "control for " << exclusion.name;
    exclusion.apply(exec);
    EXPECT_FALSE(Alerts(rule, exec)) << exclusion.name;
  }
}

std::function<void(EcsEvent&)> WorkingDirectory(const char* dir) {
  return [dir](EcsEvent& e) { e.working_directory = dir; };
}
std::function<void(EcsEvent&)> Executable(const char* exe) {
  return [exe](EcsEvent& e) { e.executable = {exe}; };
}
std::function<void(EcsEvent&)> Parent(const char* exe) {
  return [exe](EcsEvent& e) { e.parent_executable = exe; };
}

const std::vector<Exclusion> kCommonExclusions = {
    {"cwd /opt/rapid7*", WorkingDirectory("/opt/rapid7/bin")},
    {"cwd /opt/nessus*", WorkingDirectory("/opt/nessus")},
    {"cwd /snap/amazon-ssm-agent*", WorkingDirectory("/snap/amazon-ssm-agent/7628")},
    {"cwd /var/snap/amazon-ssm-agent/*", WorkingDirectory("/var/snap/amazon-ssm-agent/x")},
    {"cwd /var/log/amazon/ssm/*", WorkingDirectory("/var/log/amazon/ssm/a")},
    {"cwd /srv/snp/docker/overlay2*", WorkingDirectory("/srv/snp/docker/overlay2/abc")},
    {"cwd /opt/nessus_agent/var/nessus/*", WorkingDirectory("/opt/nessus_agent/var/nessus/t")},
    {"exe /opt/rumble/bin/rumble-agent*", Executable("/opt/rumble/bin/rumble-agent-v2")},
    {"exe inspectorssmplugin", Executable("/opt/aws/inspector/bin/inspectorssmplugin")},
    {"exe /snap/oracle-cloud-agent/*", Executable("/snap/oracle-cloud-agent/1/agent")},
    {"exe /lusr/libexec/oracle-cloud-agent/*", Executable("/lusr/libexec/oracle-cloud-agent/a")},
    {"parent setup-policy-routes", Parent("/usr/bin/setup-policy-routes")},
    {"parent ec2-instance-connect", Parent("/usr/share/ec2-instance-connect/eic_run")},
    {"parent /var/lib/amazon/ssm/*", Parent("/var/lib/amazon/ssm/worker")},
    {"parent 30-banner", Parent("/etc/update-motd.d/30-banner")},
    {"parent dhclient-script", Parent("/usr/sbin/dhclient-script")},
    {"parent uwsgi", Parent("/usr/local/bin/uwsgi")},
    {"parent al-extras", Parent("/usr/lib/skylight/al-extras")},
};

TEST(ImdsV3Test, EachExclusionSuppresses) {
  ExpectEachExclusionSuppresses(kV3, kCommonExclusions);
}

TEST(ImdsUpstreamTest, EachExclusionSuppresses) {
  std::vector<Exclusion> list = kCommonExclusions;
  list.push_back({"parent cloud-init", Parent("/usr/bin/cloud-init")});
  list.push_back({"parent waagent", Parent("/usr/sbin/waagent")});
  list.push_back({"parent docker", Parent("/usr/bin/docker")});
  list.push_back({"parent runc", Parent("/usr/bin/runc")});
  list.push_back({"entry leader qualys", [](EcsEvent& e) {
                    e.entry_leader_executable =
                        "/usr/local/qualys/cloud-agent/bin/qualys-cloud-agent";
                  }});
  list.push_back({"entry leader elastic agent", [](EcsEvent& e) {
                    e.entry_leader_executable =
                        "/opt/Elastic/Agent/data/elastic-agent-8a1b2c/elastic-agent";
                  }});
  list.push_back({"entry leader nessus", [](EcsEvent& e) {
                    e.entry_leader_executable = "/opt/nessus_agent/sbin/nessus-service";
                  }});
  ExpectEachExclusionSuppresses(kUpstream, list);
}

TEST(ImdsUpstreamTest, UnknownOrOtherEntryLeaderDoesNotSuppress) {
  EcsEvent exec = CurlExec();
  exec.entry_leader_executable.reset();
  EXPECT_TRUE(Alerts(kUpstream, exec));
  exec.entry_leader_executable = "/usr/sbin/sshd";
  EXPECT_TRUE(Alerts(kUpstream, exec));
}

TEST(ImdsUpstreamTest, NestedCurlCarveOutSuppressesOnlyUsrBinCurlWithAgentPatterns) {
  struct Case {
    const char* command_line;
    bool carved_out;
  };
  const Case cases[] = {
      {"curl -X PUT http://169.254.169.254/latest/api/token "
       "-H X-aws-ec2-metadata-token-ttl-seconds:21600",
       true},
      // The token PUT without the ttl header is not the agent pattern.
      {"curl -X PUT http://169.254.169.254/latest/api/token", false},
      {"curl -s -H X-aws-ec2-metadata-token:AQAE http://169.254.169.254/latest/meta-data/"
       "iam/security-credentials/role",
       true},
      {"curl -A amazon-ec2-net-utils/2.4 http://169.254.169.254/latest/meta-data/local-ipv4",
       true},
      {"curl -H Metadata:true http://169.254.169.254/metadata/identity/oauth2/token", true},
      {"curl -H Authorization:Bearer Oracle http://169.254.169.254/opc/v2/instance/", true},
      {"curl http://169.254.169.254/latest/meta-data/iam/security-credentials/role", false},
  };
  for (const Case& c : cases) {
    EcsEvent exec = Exec(1000, 10, "/usr/bin/curl", c.command_line);
    EXPECT_EQ(Alerts(kUpstream, exec), !c.carved_out) << c.command_line;
    // Another curl binary gets no carve-out.
    exec.executable = {"/usr/local/bin/curl"};
    EXPECT_TRUE(Alerts(kUpstream, exec)) << "/usr/local/bin/curl " << c.command_line;
  }
}

TEST(ImdsUpstreamTest, WiderNameListAndLongerSpanThanVersion3) {
  const EcsEvent bash = Exec(1000, 10, "/usr/bin/bash", "bash -c x");
  EXPECT_TRUE(Alerts(kUpstream, bash));
  EXPECT_FALSE(Alerts(kV3, bash));
  EXPECT_TRUE(Alerts(kUpstream, CurlExec(), 3000));
  EXPECT_FALSE(Alerts(kUpstream, CurlExec(), 3001));
  EXPECT_FALSE(Alerts(kV3, CurlExec(), 2500));
}

TEST(ImdsUpstreamTest, CommandLineInclusionIsTheSpecificEndpointList) {
  const EcsEvent token = Exec(1000, 10, "/usr/local/bin/tool",
                              "tool http://169.254.169.254/latest/api/token");
  const EcsEvent other = Exec(1000, 10, "/usr/local/bin/tool", "tool http://169.254.169.254/x");
  EXPECT_TRUE(Alerts(kUpstream, token));
  EXPECT_FALSE(Alerts(kUpstream, other));
  EXPECT_TRUE(Alerts(kV3, other));  // v3 matches any mention of the address
  const EcsEvent gcp = Exec(1000, 10, "/usr/local/bin/tool",
                            "tool http://metadata/computeMetadata/v1/instance/service-accounts/"
                            "default/token");
  EXPECT_TRUE(Alerts(kUpstream, gcp));
}

TEST(RuleSetTest, SaysWhichEventCategoriesItsRulesRead) {
  const RuleSet imds = Load(kV3);
  EXPECT_TRUE(imds.NeedsCategory(EventCategory::kProcess));
  EXPECT_TRUE(imds.NeedsCategory(EventCategory::kNetwork));

  auto exec_only = LoadRuleText("[rule]\nname = \"x\"\nrule_id = \"x\"\nrisk_score = 1\n"
                                "severity = \"low\"\nquery = \"process where process.pid == 1\"\n",
                                "exec_only.toml");
  ASSERT_TRUE(std::holds_alternative<Rule>(exec_only));
  std::vector<Rule> rules;
  rules.push_back(std::get<Rule>(std::move(exec_only)));
  const RuleSet process_only(std::move(rules));
  EXPECT_TRUE(process_only.NeedsCategory(EventCategory::kProcess));
  EXPECT_FALSE(process_only.NeedsCategory(EventCategory::kNetwork));

  EXPECT_FALSE(RuleSet().NeedsCategory(EventCategory::kProcess));
}

TEST(RuleSetTest, ListsTheFieldsItsRulesRead) {
  const auto fields = Load(kUpstream).ReferencedFields();
  for (FieldId f : {FieldId::kHostId, FieldId::kProcessParentEntityId,
                    FieldId::kProcessEntryLeaderExecutable, FieldId::kDestinationIp}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << FieldName(f);
  }
  EXPECT_EQ(std::find(fields.begin(), fields.end(), FieldId::kUserId), fields.end());
}

TEST(RuleSetTest, EveryRuleSeesEveryEventAndAlertsCarryTheirOwnRule) {
  std::vector<Rule> rules;
  for (const std::string& path : {kV3, kUpstream}) {
    auto result = LoadRuleFile(path);
    ASSERT_TRUE(std::holds_alternative<Rule>(result));
    rules.push_back(std::get<Rule>(std::move(result)));
  }
  RuleSet set(std::move(rules));
  std::vector<Alert> alerts;
  set.OnEvent(CurlExec(), alerts);
  EXPECT_EQ(set.pending(), 2u);
  set.OnEvent(Connect(1500, 11), alerts);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule.version, "3");
  EXPECT_EQ(alerts[1].rule.version, "2025/09/29");
  EXPECT_EQ(set.pending(), 0u);
  EXPECT_EQ(set.evicted(), 0u);
}

TEST(RuleSetTest, EachRuleJudgesLateEventsWithinTheAllowanceAndCountsTheLaterOnes) {
  std::vector<Rule> rules;
  for (const std::string& path : {kV3, kUpstream}) {
    auto result = LoadRuleFile(path);
    ASSERT_TRUE(std::holds_alternative<Rule>(result));
    rules.push_back(std::get<Rule>(std::move(result)));
  }
  RuleSet set(std::move(rules), SequenceMatcher::kDefaultMaxPending, /*lateness_millis=*/5000);
  std::vector<Alert> alerts;
  // The connect is delivered before the exec it follows, and after a later
  // exec moved the host's clock on.
  set.OnEvent(Exec(9000, 30, "/usr/bin/ls", "ls"), alerts);
  set.OnEvent(Connect(4100, 11), alerts);
  EXPECT_TRUE(alerts.empty());
  set.OnEvent(CurlExec(), alerts);  // stamped 1000: 8 s late
  EXPECT_TRUE(alerts.empty());
  EXPECT_EQ(set.late_dropped(), 2u);  // one per rule
  set.OnEvent(Exec(4000, 12, "/usr/bin/curl",
                   "curl http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
              alerts);
  EXPECT_EQ(alerts.size(), 2u);  // 5 s late: pairs with the connect already seen
  EXPECT_EQ(set.late_dropped(), 2u);
}

}  // namespace
}  // namespace imds

namespace imds {
namespace {

RuleSet FromQuery(const std::string& query) {
  auto loaded = LoadRuleText("[rule]\nname = \"x\"\nrule_id = \"x\"\nrisk_score = 1\nseverity = \"low\"\n"
                             "query = '" + query + "'\n",
                             "q.toml");
  if (auto* error = std::get_if<RuleError>(&loaded)) {
    ADD_FAILURE() << error->ToString();
    return RuleSet();
  }
  std::vector<Rule> rules;
  rules.push_back(std::get<Rule>(std::move(loaded)));
  return RuleSet(std::move(rules));
}

TEST(RuleSetDestinationsTest, TheImdsRulesNeedOnlyTheMetadataAddress) {
  // What lets the input stage skip libauparse for every other connect.
  for (const std::string& path : {kV3, kUpstream}) {
    const auto d = Load(path).NetworkDestinations();
    ASSERT_TRUE(d.has_value()) << path;
    EXPECT_EQ(d->exact, std::vector<std::string>{"169.254.169.254"}) << path;
    EXPECT_TRUE(d->ignoring_case.empty()) << path;
  }
}

TEST(RuleSetDestinationsTest, AnyStageThatAcceptsANetworkEventWhateverItsAddressNeedsEveryConnect) {
  EXPECT_FALSE(FromQuery("network where destination.port == 80").NetworkDestinations().has_value());
  EXPECT_FALSE(FromQuery("network where not destination.ip == \"10.0.0.1\"").NetworkDestinations().has_value());
  EXPECT_FALSE(FromQuery("network where destination.ip : \"169.254.*\"").NetworkDestinations().has_value());
  EXPECT_FALSE(FromQuery("network where destination.ip == \"1.1.1.1\" or destination.port == 53")
                   .NetworkDestinations()
                   .has_value());
  // A process-only rule needs no connect at all.
  const auto none = FromQuery("process where process.name : \"curl\"").NetworkDestinations();
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->exact.empty() && none->ignoring_case.empty());
}

TEST(RuleSetDestinationsTest, AlternativesAndCaseInsensitiveLiteralsAreCollected) {
  const auto d = FromQuery(
                     "network where destination.port == 80 and (destination.ip == \"169.254.169.254\" or "
                     "destination.ip : (\"FD00:EC2::254\", \"169.254.170.2\"))")
                     .NetworkDestinations();
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->exact, std::vector<std::string>{"169.254.169.254"});
  EXPECT_EQ(d->ignoring_case, (std::vector<std::string>{"FD00:EC2::254", "169.254.170.2"}));
}

}  // namespace
}  // namespace imds
