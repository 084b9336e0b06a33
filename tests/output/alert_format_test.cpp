#include "output/alert_format.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "json_checker.h"
#include "kv_parser.h"
#include "test_alerts.h"

namespace imds {
namespace {

using namespace std::string_literals;
using testing::ImdsAlert;
using testing::JsonDecodedForm;
using testing::JsonValue;

JsonValue ParseJsonOrDie(const std::string& line) {
  auto parsed = testing::ParseJsonStrict(line);
  EXPECT_TRUE(parsed.value) << parsed.error << "\n" << line.substr(0, 2000);
  return parsed.value ? *parsed.value : JsonValue{};
}

std::vector<testing::KvPair> ParseKvOrDie(const std::string& line) {
  auto parsed = testing::ParseKeyValueLine(line);
  EXPECT_TRUE(parsed.pairs) << parsed.error << "\n" << line.substr(0, 2000);
  return parsed.pairs ? *parsed.pairs : std::vector<testing::KvPair>{};
}

std::vector<std::string> Keys(const std::vector<testing::KvPair>& pairs) {
  std::vector<std::string> keys;
  for (const auto& p : pairs) keys.push_back(p.key);
  return keys;
}

const testing::KvPair* FindKv(const std::vector<testing::KvPair>& pairs, const std::string& key) {
  for (const auto& p : pairs)
    if (p.key == key) return &p;
  return nullptr;
}

std::string JsonText(const JsonValue& root, const std::string& path) {
  const JsonValue* v = root.Path(path);
  return v != nullptr ? v->text : "<absent " + path + ">";
}

bool HasLineBreakOrControl(const std::string& line) {
  for (unsigned char c : line)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

const std::vector<std::string> kImdsKeyValueKeys = {
    "@timestamp",
    "event.kind",
    "event.severity",
    "event.risk_score",
    "labels.severity",
    "rule.name",
    "rule.id",
    "rule.version",
    "threat.framework",
    "threat.tactic.id",
    "threat.tactic.name",
    "threat.technique.id",
    "threat.technique.name",
    "threat.technique.subtechnique.id",
    "host.id",
    "host.name",
    "host.os.type",
    "user.id",
    "process.pid",
    "process.name",
    "process.executable",
    "process.command_line",
    "process.args_count",
    "process.working_directory",
    "process.entity_id",
    "process.parent.pid",
    "process.parent.name",
    "process.parent.executable",
    "process.parent.entity_id",
    "process.entry_leader.executable",
    "destination.ip",
    "destination.port",
    "audit.exec.serial",
    "audit.exec.timestamp",
    "audit.exec.pid",
    "audit.exec.session",
    "audit.connect.serial",
    "audit.connect.timestamp",
    "audit.connect.pid",
    "audit.connect.executable",
    "audit.connect.session",
    "audit.connect.result",
};

TEST(FormatAlertJsonTest, ImdsAlertIsExactlyOneEcsJsonLine) {
  EXPECT_EQ(
      FormatAlertJson(ImdsAlert()),
      R"({"@timestamp":"2026-11-29T04:35:01.123Z","ecs":{"version":"8.11.0"},)"
      R"("event":{"kind":"alert","severity":47,"risk_score":47},"labels":{"severity":"medium"},)"
      R"("rule":{"name":"Unusual Instance Metadata Service (IMDS) API Request",)"
      R"("id":"ecc0cd54-608e-11ef-ab6d-f661ea17fbce","version":"3"},)"
      R"("threat":[{"framework":"MITRE ATT&CK","tactic":{"id":"TA0006","name":"Credential Access"},)"
      R"("technique":[{"id":"T1552","name":"Unsecured Credentials","subtechnique":[{"id":"T1552.005"}]}]},)"
      R"({"framework":"MITRE ATT&CK","tactic":{"id":"TA0007","name":"Discovery"},)"
      R"("technique":[{"id":"T1580","name":"Cloud Infrastructure Discovery"}]}],)"
      R"("host":{"id":"0a1b2c3d4e5f","name":"web-1","os":{"type":"linux"}},"user":{"id":"1000"},)"
      R"("process":{"pid":3001,"name":"curl","executable":"/usr/bin/curl",)"
      R"("command_line":"curl -s http://169.254.169.254/latest/meta-data/",)"
      R"("args":["curl","-s","http://169.254.169.254/latest/meta-data/"],"args_count":3,)"
      R"("working_directory":"/tmp","entity_id":"web-1:3001:1795926901.120:4242",)"
      R"("parent":{"pid":3000,"name":"bash","executable":"/usr/bin/bash",)"
      R"("entity_id":"web-1:3000:1795926800.000:4100"},"entry_leader":{"executable":"/usr/sbin/sshd"}},)"
      R"("destination":{"ip":"169.254.169.254","port":80},)"
      R"("audit":{"exec":{"serial":4242,"timestamp":"2026-11-29T04:35:01.120Z","pid":3001,"session":7},)"
      R"("connect":{"serial":4243,"timestamp":"2026-11-29T04:35:01.123Z","pid":3001,)"
      R"("executable":"/usr/bin/curl","session":7,"result":"EINPROGRESS"}}})");
}

TEST(FormatAlertKeyValueTest, ImdsAlertIsExactlyOneLineOfDottedEcsKeys) {
  EXPECT_EQ(
      FormatAlertKeyValue(ImdsAlert()),
      R"(@timestamp="2026-11-29T04:35:01.123Z" event.kind="alert" event.severity=47 event.risk_score=47 )"
      R"(labels.severity="medium" rule.name="Unusual Instance Metadata Service (IMDS) API Request" )"
      R"(rule.id="ecc0cd54-608e-11ef-ab6d-f661ea17fbce" rule.version="3" threat.framework="MITRE ATT&CK" )"
      R"(threat.tactic.id="TA0006,TA0007" threat.tactic.name="Credential Access,Discovery" )"
      R"(threat.technique.id="T1552,T1580" )"
      R"(threat.technique.name="Unsecured Credentials,Cloud Infrastructure Discovery" )"
      R"(threat.technique.subtechnique.id="T1552.005" host.id="0a1b2c3d4e5f" host.name="web-1" )"
      R"(host.os.type="linux" user.id="1000" process.pid=3001 process.name="curl" )"
      R"(process.executable="/usr/bin/curl" )"
      R"(process.command_line="curl -s http://169.254.169.254/latest/meta-data/" process.args_count=3 )"
      R"(process.working_directory="/tmp" process.entity_id="web-1:3001:1795926901.120:4242" )"
      R"(process.parent.pid=3000 process.parent.name="bash" process.parent.executable="/usr/bin/bash" )"
      R"(process.parent.entity_id="web-1:3000:1795926800.000:4100" )"
      R"(process.entry_leader.executable="/usr/sbin/sshd" destination.ip="169.254.169.254" )"
      R"(destination.port=80 audit.exec.serial=4242 audit.exec.timestamp="2026-11-29T04:35:01.120Z" )"
      R"(audit.exec.pid=3001 audit.exec.session=7 audit.connect.serial=4243 )"
      R"(audit.connect.timestamp="2026-11-29T04:35:01.123Z" audit.connect.pid=3001 )"
      R"(audit.connect.executable="/usr/bin/curl" audit.connect.session=7 audit.connect.result="EINPROGRESS")");
}

TEST(FormatAlertTest, KeyValueLineHasExactlyTheExpectedKeys) {
  EXPECT_EQ(Keys(ParseKvOrDie(FormatAlertKeyValue(ImdsAlert()))), kImdsKeyValueKeys);
}

TEST(FormatAlertTest, TimestampIsTheAuditTimeOfTheCompletingEvent) {
  Alert alert = ImdsAlert();
  alert.events[1].stamp = {1795926960, 7, 5000};
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  EXPECT_EQ(JsonText(json, "@timestamp"), "2026-11-29T04:36:00.007Z");
  EXPECT_EQ(JsonText(json, "audit.exec.timestamp"), "2026-11-29T04:35:01.120Z");
  EXPECT_EQ(json.Path("audit.connect.serial")->text, "5000");
}

TEST(FormatAlertTest, NullFieldsAndEmptyObjectsAreOmitted) {
  Alert alert = ImdsAlert();
  EcsEvent& exec = alert.events[0];
  exec.host_id.clear();
  exec.ppid = -1;
  exec.working_directory.reset();
  exec.entity_id.reset();
  exec.uid.reset();
  exec.session_id.reset();
  exec.parent_executable.reset();
  exec.parent_entity_id.reset();
  exec.entry_leader_executable.reset();
  alert.events[1].destination_port.reset();

  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  for (const char* absent : {"host.id", "user", "process.working_directory", "process.entity_id",
                             "process.parent", "process.entry_leader", "destination.port", "audit.exec.session"}) {
    EXPECT_EQ(json.Path(absent), nullptr) << absent;
  }
  EXPECT_EQ(JsonText(json, "host.name"), "web-1");
  EXPECT_EQ(JsonText(json, "destination.ip"), "169.254.169.254");

  const auto kv = ParseKvOrDie(FormatAlertKeyValue(alert));
  for (const char* absent : {"host.id", "user.id", "process.working_directory", "process.parent.pid",
                             "process.parent.executable", "process.entry_leader.executable", "destination.port"}) {
    EXPECT_EQ(FindKv(kv, absent), nullptr) << absent;
  }
}

TEST(FormatAlertTest, SecondExecutableValueIsListedInExecutablePaths) {
  // A relative invocation: the spelling as typed is the second value.
  Alert alert = ImdsAlert();
  alert.events[0].executable = {"/dev/shm/fetch", "./fetch"};
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  EXPECT_EQ(JsonText(json, "process.executable"), "/dev/shm/fetch");
  EXPECT_EQ(JsonText(json, "process.name"), "fetch");
  const JsonValue* paths = json.Path("process.executable_paths");
  ASSERT_NE(paths, nullptr);
  ASSERT_EQ(paths->array.size(), 2u);
  EXPECT_EQ(paths->array[0].text, "/dev/shm/fetch");
  EXPECT_EQ(paths->array[1].text, "./fetch");

  const auto kv = ParseKvOrDie(FormatAlertKeyValue(alert));
  ASSERT_NE(FindKv(kv, "process.executable_paths"), nullptr);
  EXPECT_EQ(FindKv(kv, "process.executable_paths")->value, "/dev/shm/fetch,./fetch");
  EXPECT_EQ(FindKv(kv, "process.executable")->value, "/dev/shm/fetch");
}

TEST(FormatAlertTest, AScriptsInterpreterIsShownUnderTheProductsOwnNamespace) {
  Alert alert = ImdsAlert();
  alert.events[0].executable = {"/tmp/fetch.py"};
  alert.events[0].interpreter = "/usr/bin/python3.11";
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  EXPECT_EQ(JsonText(json, "process.executable"), "/tmp/fetch.py");
  EXPECT_EQ(JsonText(json, "process.name"), "fetch.py");
  EXPECT_EQ(JsonText(json, "audisp_imds.process.interpreter"), "/usr/bin/python3.11");
  const auto kv = ParseKvOrDie(FormatAlertKeyValue(alert));
  ASSERT_NE(FindKv(kv, "audisp_imds.process.interpreter"), nullptr);
  EXPECT_EQ(FindKv(kv, "audisp_imds.process.interpreter")->value, "/usr/bin/python3.11");
}

TEST(FormatAlertTest, ABinaryHasNoInterpreterField) {
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(ImdsAlert()));
  EXPECT_EQ(json.Path("audisp_imds"), nullptr);
}

TEST(FormatAlertTest, SingleExecutableHasNoExecutablePaths) {
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(ImdsAlert()));
  EXPECT_EQ(json.Path("process.executable_paths"), nullptr);
}

TEST(FormatAlertTest, OneStageAlertHasProcessAndAuditButNoDestination) {
  Alert alert = ImdsAlert();
  alert.events.pop_back();
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  EXPECT_EQ(JsonText(json, "@timestamp"), "2026-11-29T04:35:01.120Z");
  EXPECT_EQ(json.Path("destination"), nullptr);
  EXPECT_EQ(json.Path("audit.connect"), nullptr);
  EXPECT_EQ(json.Path("audit.exec.serial")->text, "4242");
  EXPECT_EQ(json.Path("process.pid")->text, "3001");
}

TEST(FormatAlertTest, NetworkOnlyAlertTakesProcessFromTheConnect) {
  Alert alert = ImdsAlert();
  alert.events.erase(alert.events.begin());
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  EXPECT_EQ(JsonText(json, "process.executable"), "/usr/bin/curl");
  EXPECT_EQ(json.Path("process.args_count"), nullptr);  // a connect has no argv
  EXPECT_EQ(JsonText(json, "destination.ip"), "169.254.169.254");
  EXPECT_EQ(JsonText(json, "audit.connect.result"), "EINPROGRESS");
}

TEST(FormatAlertTest, RepeatedStageKindIsKeyedByItsStageNumber) {
  Alert alert = ImdsAlert();
  EcsEvent second_exec = alert.events[0];
  second_exec.stamp.serial = 4250;
  alert.events.insert(alert.events.begin() + 1, second_exec);
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  EXPECT_EQ(json.Path("audit.exec.serial")->text, "4242");
  EXPECT_EQ(json.Path("audit.exec_2.serial")->text, "4250");
  EXPECT_EQ(json.Path("audit.connect.serial")->text, "4243");
}

TEST(FormatAlertTest, SeverityNumberFollowsElasticMappingAndUnknownLabelsAreOmitted) {
  EXPECT_EQ(SeverityNumber("low"), 21);
  EXPECT_EQ(SeverityNumber("Medium"), 47);
  EXPECT_EQ(SeverityNumber("high"), 73);
  EXPECT_EQ(SeverityNumber("critical"), 99);
  Alert alert = ImdsAlert();
  alert.rule.severity = "urgent";
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  EXPECT_EQ(json.Path("event.severity"), nullptr);
  EXPECT_EQ(JsonText(json, "labels.severity"), "urgent");
}

TEST(FormatAlertTest, ArgsCountIsTheRealCountWhenMaxArgsShortensArgs) {
  Alert alert = ImdsAlert();
  FormatLimits limits;
  limits.max_args = 2;
  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert, limits));
  ASSERT_EQ(json.Path("process.args")->array.size(), 2u);
  EXPECT_EQ(json.Path("process.args")->array[1].text, "-s");
  EXPECT_EQ(json.Path("process.args_count")->text, "3");
}

// Puts `hostile` into every field that comes from the audited host.
Alert AlertWithHostileStrings(const std::string& hostile) {
  Alert alert = ImdsAlert();
  for (EcsEvent& e : alert.events) {
    e.host_id = hostile;
    e.host_name = hostile;
    e.executable = {"/tmp/" + hostile, hostile + "#2"};
    e.syscall_result = hostile;
  }
  EcsEvent& exec = alert.events[0];
  exec.args = {hostile, "-d", hostile + hostile};
  exec.command_line = hostile + " -d " + hostile + hostile;
  exec.working_directory = hostile;
  exec.entity_id = hostile;
  exec.parent_executable = "/x/" + hostile;
  exec.parent_entity_id = hostile;
  exec.entry_leader_executable = hostile;
  alert.events[1].destination_ip = hostile;
  return alert;
}

std::vector<std::string> HostileStrings() {
  return {
      "line1\nline2",
      "a\r\nrule.name=\"forged\"",
      "\x1d" "EXE=\"/bin/true\"",
      "\"",
      "\\",
      "\\\"",
      "x\" process.pid=1 destination.ip=\"10.0.0.1",
      "\"}],\"rule\":{\"name\":\"forged\"},\"x\":[{\"",
      "key=value k2=\"v2\"",
      "\xff\xfe\xfd",
      "\xC0\xAF\xE0\x80\xAF\xED\xA0\x80",
      "nul\0inside"s,
      "\0"s,
      "\xE2\x80\xA8\xE2\x80\xA9",
      "\xC2\x9B" "2J\x1b[31m",
      "\\u0000\\n\\x0a",
      "trailing backslash \\",
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80",
  };
}

void ExpectHostileStringIsContained(const std::string& hostile) {
  SCOPED_TRACE(::testing::PrintToString(hostile));
  const Alert alert = AlertWithHostileStrings(hostile);
  const std::string expected = JsonDecodedForm(hostile);

  const std::string json_line = FormatAlertJson(alert);
  EXPECT_FALSE(HasLineBreakOrControl(json_line));
  const JsonValue json = ParseJsonOrDie(json_line);
  EXPECT_EQ(JsonText(json, "rule.name"), "Unusual Instance Metadata Service (IMDS) API Request");
  EXPECT_EQ(JsonText(json, "host.name"), expected);
  EXPECT_EQ(JsonText(json, "process.command_line"), JsonDecodedForm(alert.events[0].command_line));
  EXPECT_EQ(JsonText(json, "process.working_directory"), expected);
  EXPECT_EQ(JsonText(json, "process.executable"), JsonDecodedForm("/tmp/" + hostile));
  EXPECT_EQ(JsonText(json, "process.parent.executable"), JsonDecodedForm("/x/" + hostile));
  EXPECT_EQ(JsonText(json, "destination.ip"), expected);
  EXPECT_EQ(JsonText(json, "audit.connect.result"), expected);
  const JsonValue* args = json.Path("process.args");
  ASSERT_NE(args, nullptr);
  ASSERT_EQ(args->array.size(), 3u);
  EXPECT_EQ(args->array[0].text, expected);
  EXPECT_EQ(args->array[2].text, JsonDecodedForm(hostile + hostile));

  const std::string kv_line = FormatAlertKeyValue(alert);
  EXPECT_FALSE(HasLineBreakOrControl(kv_line));
  const auto kv = ParseKvOrDie(kv_line);
  std::vector<std::string> expected_keys = kImdsKeyValueKeys;
  expected_keys.insert(std::find(expected_keys.begin(), expected_keys.end(), "process.command_line"),
                       "process.executable_paths");
  EXPECT_EQ(Keys(kv), expected_keys);
  // key=value escaping is lossless.
  for (const char* key : {"host.id", "host.name", "process.working_directory", "process.entity_id",
                          "process.entry_leader.executable", "destination.ip", "audit.connect.result"}) {
    ASSERT_NE(FindKv(kv, key), nullptr) << key;
    EXPECT_EQ(FindKv(kv, key)->value, hostile) << key;
  }
  EXPECT_EQ(FindKv(kv, "process.command_line")->value, alert.events[0].command_line);
  EXPECT_EQ(FindKv(kv, "process.executable")->value, "/tmp/" + hostile);
  EXPECT_EQ(FindKv(kv, "rule.name")->value, "Unusual Instance Metadata Service (IMDS) API Request");
}

TEST(FormatAlertTest, HostileStringsNeitherSplitTheLineNorBreakJsonNorForgeKeys) {
  for (const auto& hostile : HostileStrings()) ExpectHostileStringIsContained(hostile);
}

TEST(FormatAlertTest, RandomBytesInEveryHostFieldKeepBothFormatsWellFormed) {
  std::mt19937 rng(20261129);
  // Biased towards the bytes that matter: quotes, backslashes, controls,
  // UTF-8 lead and continuation bytes.
  const std::string specials = "\"\\\n\r\x1d\x7f\0=, {}[]"s + "\xC2\xE2\xF0\xF4\x80\x9B\xA8\xBF\xFF";
  for (int round = 0; round < 300; ++round) {
    std::string hostile;
    const int len = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) {
      hostile += (rng() % 2 == 0) ? specials[rng() % specials.size()] : static_cast<char>(rng() % 256);
    }
    ExpectHostileStringIsContained(hostile);
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(FormatAlertTest, OneMebibyteArgumentIsWholeInJsonAndCutInKeyValue) {
  const std::string big(1 << 20, 'B');
  Alert alert = ImdsAlert();
  alert.events[0].args.push_back(big);
  alert.events[0].command_line += " " + big;

  const JsonValue json = ParseJsonOrDie(FormatAlertJson(alert));
  EXPECT_EQ(json.Path("process.args")->array.back().text, big);

  const std::string kv_line = FormatAlertKeyValue(alert);
  EXPECT_LT(kv_line.size(), 8192u);
  const auto kv = ParseKvOrDie(kv_line);
  const std::string& command_line = FindKv(kv, "process.command_line")->value;
  const std::string kept = alert.events[0].command_line.substr(0, kDefaultKeyValueValueCap);
  EXPECT_EQ(command_line,
            kept + TruncationMarker(alert.events[0].command_line.size() - kDefaultKeyValueValueCap));
}

Alert HugeAlert() {
  Alert alert = ImdsAlert();
  EcsEvent& exec = alert.events[0];
  exec.args.assign(1000, std::string(300, 'a'));
  exec.args.push_back(std::string(1 << 20, '\n'));
  exec.command_line = std::string(1 << 20, 'c');
  exec.working_directory = std::string(1 << 20, '\xff');
  exec.parent_executable = std::string(100000, 'p');
  return alert;
}

TEST(FormatAlertTest, JsonLineCapKeepsHugeAlertValidAndShortValuesWhole) {
  FormatLimits limits;
  limits.max_line_bytes = 8000;
  limits.max_args = 64;
  const std::string line = FormatAlertJson(HugeAlert(), limits);
  EXPECT_LE(line.size(), 8000u);
  const JsonValue json = ParseJsonOrDie(line);
  EXPECT_EQ(JsonText(json, "rule.name"), "Unusual Instance Metadata Service (IMDS) API Request");
  EXPECT_EQ(JsonText(json, "destination.ip"), "169.254.169.254");
  EXPECT_EQ(json.Path("process.args_count")->text, "1001");
  EXPECT_EQ(json.Path("process.args")->array.size(), 64u);
  const std::string cwd = JsonText(json, "process.working_directory");
  EXPECT_NE(cwd.find("...[truncated "), std::string::npos);
  EXPECT_EQ(cwd.substr(0, 8), "\\xff\\xff");
}

TEST(FormatAlertTest, KeyValueLineCapKeepsEveryKeyAndShortValuesWhole) {
  FormatLimits limits = KeyValueLimits();
  limits.max_line_bytes = 3000;
  const std::string line = FormatAlertKeyValue(HugeAlert(), limits);
  EXPECT_LE(line.size(), 3000u);
  const auto kv = ParseKvOrDie(line);
  EXPECT_EQ(Keys(kv), kImdsKeyValueKeys);
  EXPECT_EQ(FindKv(kv, "rule.name")->value, "Unusual Instance Metadata Service (IMDS) API Request");
  EXPECT_EQ(FindKv(kv, "process.entry_leader.executable")->value, "/usr/sbin/sshd");
  EXPECT_NE(FindKv(kv, "process.command_line")->value.find("...[truncated "), std::string::npos);
  EXPECT_NE(FindKv(kv, "process.parent.executable")->value.find("...[truncated "), std::string::npos);
}

TEST(FormatAlertTest, LineWithinTheCapIsNotCut) {
  FormatLimits limits;
  limits.max_line_bytes = 100000;
  EXPECT_EQ(FormatAlertJson(ImdsAlert(), limits), FormatAlertJson(ImdsAlert()));
}

}  // namespace
}  // namespace imds
