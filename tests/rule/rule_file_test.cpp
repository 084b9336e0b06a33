#include "rule/rule_file.h"

#include <gtest/gtest.h>

#include <string>

namespace imds {
namespace {

const std::string kV3 = IMDS_SOURCE_DIR "/rules/imds_v3.toml";
const std::string kUpstream =
    IMDS_SOURCE_DIR
    "/rules/upstream/credential_access_unusual_instance_metadata_service_api_request.toml";

Rule LoadOk(const std::string& path) {
  auto result = LoadRuleFile(path);
  if (auto* error = std::get_if<RuleError>(&result)) {
    ADD_FAILURE() << error->ToString();
    return {};
  }
  return std::get<Rule>(std::move(result));
}

RuleError TextError(std::string_view text) {
  auto result = LoadRuleText(text, "test.toml");
  if (auto* error = std::get_if<RuleError>(&result)) return *error;
  ADD_FAILURE() << "rule was accepted";
  return {};
}

// A valid [rule] header and metadata, followed by the query assignment.
std::string RuleWithQuery(const std::string& query_assignment) {
  return "[rule]\n"                                        // line 1
         "name = \"t\"\n"                                  // line 2
         "rule_id = \"id\"\n"                              // line 3
         "risk_score = 1\n"                                // line 4
         "severity = \"low\"\n"                            // line 5
         + query_assignment + "\n";                        // from line 6
}

TEST(RuleFileTest, LoadsTheVersion3RuleWithItsMetadata) {
  const Rule rule = LoadOk(kV3);
  EXPECT_EQ(rule.meta.name, "Unusual Instance Metadata Service (IMDS) API Request");
  EXPECT_EQ(rule.meta.id, "ecc0cd54-608e-11ef-ab6d-f661ea17fbce");
  EXPECT_EQ(rule.meta.version, "3");
  EXPECT_EQ(rule.meta.severity, "medium");
  EXPECT_EQ(rule.meta.risk_score, 47);
  EXPECT_EQ(rule.source, kV3);
  ASSERT_EQ(rule.meta.threats.size(), 2u);
  EXPECT_EQ(rule.meta.threats[0].framework, "MITRE ATT&CK");
  EXPECT_EQ(rule.meta.threats[0].tactic_id, "TA0006");
  EXPECT_EQ(rule.meta.threats[0].tactic_name, "Credential Access");
  EXPECT_EQ(rule.meta.threats[0].technique_id, "T1552");
  EXPECT_EQ(rule.meta.threats[0].technique_name, "Unsecured Credentials");
  EXPECT_EQ(rule.meta.threats[0].subtechnique_ids, std::vector<std::string>{"T1552.005"});
  EXPECT_EQ(rule.meta.threats[1].tactic_id, "TA0007");
  EXPECT_EQ(rule.meta.threats[1].technique_id, "T1580");
  EXPECT_TRUE(rule.meta.threats[1].subtechnique_ids.empty());
  EXPECT_TRUE(rule.query.is_sequence);
  EXPECT_EQ(rule.query.maxspan_millis, 1000);
  EXPECT_EQ(rule.query.join_keys,
            (std::vector<FieldId>{FieldId::kHostId, FieldId::kProcessParentEntityId}));
}

TEST(RuleFileTest, UpstreamRuleWithoutVersionTakesItsUpdatedDate) {
  const Rule rule = LoadOk(kUpstream);
  EXPECT_EQ(rule.meta.version, "2025/09/29");
  EXPECT_EQ(rule.meta.id, "ecc0cd54-608e-11ef-ab6d-f661ea17fbce");
  EXPECT_EQ(rule.query.maxspan_millis, 3000);
  EXPECT_EQ(rule.meta.threats.size(), 2u);
}

TEST(RuleFileTest, CanonicalFormOfTheVersion3Query) {
  EXPECT_EQ(
      ToCanonicalString(LoadOk(kV3).query),
      "sequence by host.id, process.parent.entity_id with maxspan=1s\n"
      "  [process where host.os.type == \"linux\" and event.type == \"start\" and "
      "event.action == \"exec\" and process.parent.executable != null and "
      "(process.name : (\"curl\", \"wget\", \"python*\", \"perl*\", \"php*\", \"ruby*\", "
      "\"lua*\", \"telnet\", \"pwsh\", \"openssl\", \"nc\", \"ncat\", \"netcat\", \"awk\", "
      "\"gawk\", \"mawk\", \"nawk\", \"socat\", \"node\") or "
      "process.executable : (\"./*\", \"/tmp/*\", \"/var/tmp/*\", \"/var/www/*\", "
      "\"/dev/shm/*\", \"/etc/init.d/*\", \"/etc/rc*.d/*\", \"/etc/cron*\", "
      "\"/etc/update-motd.d/*\", \"/boot/*\", \"/srv/*\", \"/run/*\", \"/etc/rc.local\") or "
      "process.command_line : \"*169.254.169.254*\") and "
      "not process.working_directory : (\"/opt/rapid7*\", \"/opt/nessus*\", "
      "\"/snap/amazon-ssm-agent*\", \"/var/snap/amazon-ssm-agent/*\", "
      "\"/var/log/amazon/ssm/*\", \"/srv/snp/docker/overlay2*\", "
      "\"/opt/nessus_agent/var/nessus/*\") and "
      "not process.executable : (\"/opt/rumble/bin/rumble-agent*\", "
      "\"/opt/aws/inspector/bin/inspectorssmplugin\", \"/snap/oracle-cloud-agent/*\", "
      "\"/lusr/libexec/oracle-cloud-agent/*\") and "
      "not process.parent.executable : (\"/usr/bin/setup-policy-routes\", "
      "\"/usr/share/ec2-instance-connect/*\", \"/var/lib/amazon/ssm/*\", "
      "\"/etc/update-motd.d/30-banner\", \"/usr/sbin/dhclient-script\", "
      "\"/usr/local/bin/uwsgi\", \"/usr/lib/skylight/al-extras\")]\n"
      "  [network where host.os.type == \"linux\" and "
      "event.action == \"connection_attempted\" and destination.ip == \"169.254.169.254\"]");
}

TEST(RuleFileTest, CanonicalFormOfTheUpstreamQuery) {
  EXPECT_EQ(
      ToCanonicalString(LoadOk(kUpstream).query),
      "sequence by host.id, process.parent.entity_id with maxspan=3s\n"
      "  [process where host.os.type == \"linux\" and event.type == \"start\" and "
      "event.action == \"exec\" and process.parent.executable != null and "
      "(process.name : (\"curl\", \"wget\", \"python*\", \"perl*\", \"php*\", \"ruby*\", "
      "\"lua*\", \"telnet\", \"pwsh\", \"openssl\", \"nc\", \"ncat\", \"netcat\", \"awk\", "
      "\"gawk\", \"mawk\", \"nawk\", \"socat\", \"node\", \"bash\", \"sh\") or "
      "process.executable : (\"./*\", \"/tmp/*\", \"/var/tmp/*\", \"/var/www/*\", "
      "\"/dev/shm/*\", \"/etc/init.d/*\", \"/etc/rc*.d/*\", \"/etc/cron*\", "
      "\"/etc/update-motd.d/*\", \"/boot/*\", \"/srv/*\", \"/run/*\", \"/etc/rc.local\") or "
      "process.command_line : (\"*169.254.169.254/latest/api/token*\", "
      "\"*169.254.169.254/latest/meta-data/iam/security-credentials*\", "
      "\"*169.254.169.254/latest/meta-data/local-ipv4*\", "
      "\"*169.254.169.254/latest/meta-data/local-hostname*\", "
      "\"*169.254.169.254/latest/meta-data/public-ipv4*\", "
      "\"*169.254.169.254/latest/user-data*\", "
      "\"*169.254.169.254/latest/dynamic/instance-identity/document*\", "
      "\"*169.254.169.254/latest/meta-data/instance-id*\", "
      "\"*169.254.169.254/latest/meta-data/public-keys*\", "
      "\"*computeMetadata/v1/instance/service-accounts/*/token*\", "
      "\"*/metadata/identity/oauth2/token*\", \"*169.254.169.254/opc/v*/instance*\", "
      "\"*169.254.169.254/opc/v*/vnics*\")) and "
      "not process.working_directory : (\"/opt/rapid7*\", \"/opt/nessus*\", "
      "\"/snap/amazon-ssm-agent*\", \"/var/snap/amazon-ssm-agent/*\", "
      "\"/var/log/amazon/ssm/*\", \"/srv/snp/docker/overlay2*\", "
      "\"/opt/nessus_agent/var/nessus/*\") and "
      "not process.executable : (\"/opt/rumble/bin/rumble-agent*\", "
      "\"/opt/aws/inspector/bin/inspectorssmplugin\", \"/snap/oracle-cloud-agent/*\", "
      "\"/lusr/libexec/oracle-cloud-agent/*\") and "
      "not process.parent.executable : (\"/usr/bin/setup-policy-routes\", "
      "\"/usr/share/ec2-instance-connect/*\", \"/var/lib/amazon/ssm/*\", "
      "\"/etc/update-motd.d/30-banner\", \"/usr/sbin/dhclient-script\", "
      "\"/usr/local/bin/uwsgi\", \"/usr/lib/skylight/al-extras\", \"/usr/bin/cloud-init\", "
      "\"/usr/sbin/waagent\", \"/usr/bin/google_osconfig_agent\", \"/usr/bin/docker\", "
      "\"/usr/bin/containerd-shim\", \"/usr/bin/runc\") and "
      "not process.entry_leader.executable : "
      "(\"/usr/local/qualys/cloud-agent/bin/qualys-cloud-agent\", "
      "\"/opt/Elastic/Agent/data/elastic-agent-*/elastic-agent\", "
      "\"/opt/nessus_agent/sbin/nessus-service\") and "
      "not (process.executable == \"/usr/bin/curl\" and "
      "((process.command_line : \"*-X PUT*169.254.169.254/latest/api/token*\" and "
      "process.command_line : \"*X-aws-ec2-metadata-token-ttl-seconds*\") or "
      "process.command_line : \"*-H X-aws-ec2-metadata-token:*169.254.169.254/latest/*\" or "
      "process.command_line : \"*-A amazon-ec2-net-utils/*\" or "
      "process.command_line : \"*-H Metadata:true*169.254.169.254/metadata/*\" or "
      "process.command_line : \"*-H Authorization:*Oracle*169.254.169.254/opc/*\"))]\n"
      "  [network where host.os.type == \"linux\" and "
      "event.action == \"connection_attempted\" and destination.ip == \"169.254.169.254\"]");
}

TEST(RuleFileTest, QueryErrorIsReportedAtItsLineAndColumnInTheFile) {
  auto result = LoadRuleFile(IMDS_SOURCE_DIR "/tests/rule/data/bad_query.toml");
  ASSERT_TRUE(std::holds_alternative<RuleError>(result));
  const RuleError& error = std::get<RuleError>(result);
  EXPECT_EQ(error.line, 14);
  EXPECT_EQ(error.column, 31);
  EXPECT_EQ(error.ToString(), IMDS_SOURCE_DIR
            "/tests/rule/data/bad_query.toml:14:31: operator \"in\" is not supported "
            "(use \":\" with a list)");
}

TEST(RuleFileTest, QueryOnTheSameLineAsTheOpeningQuotesKeepsItsColumnOffset) {
  // No newline after ''' to trim: the query starts at column 12 of line 6.
  const RuleError error = TextError(RuleWithQuery("query = '''process where x == 1'''"));
  EXPECT_EQ(error.line, 6);
  EXPECT_EQ(error.column, 26);
  EXPECT_EQ(error.message, "field \"x\" is not supplied by audisp-imds");
}

TEST(RuleFileTest, MultiLineQueryPositionsSkipTheTrimmedNewline) {
  const RuleError error = TextError(RuleWithQuery(
      "query = '''\n"                                   // line 6
      "process where\n"                                 // line 7
      "   process.name : \"a\" | head\n"                // line 8
      "'''"));
  EXPECT_EQ(error.line, 8);
  EXPECT_EQ(error.column, 23);
  EXPECT_EQ(error.message, "pipes (\"|\") are not supported");
}

TEST(RuleFileTest, BasicStringEscapesDoNotShiftTheReportedColumn) {
  // In the file each \" is two characters, in the query one.
  const RuleError error =
      TextError(RuleWithQuery("query = \"process where process.name : \\\"a\\\" | x\""));
  EXPECT_EQ(error.line, 6);
  EXPECT_EQ(error.column, 45);
}

TEST(RuleFileTest, LineEndingBackslashInAMultiLineBasicStringIsFollowed) {
  const RuleError error = TextError(RuleWithQuery(
      "query = \"\"\"\n"                                // line 6
      "process where \\\n"                              // line 7 (joined)
      "    process.name : \"a\" ~\n"                    // line 8
      "\"\"\""));
  EXPECT_EQ(error.line, 8);
  EXPECT_EQ(error.column, 24);
}

TEST(RuleFileTest, ColumnsCountCodePointsAsTomlDoes) {
  const RuleError error =
      TextError(RuleWithQuery("query = '''process where process.name : \"\xC3\xA9\" | x'''"));
  EXPECT_EQ(error.line, 6);
  EXPECT_EQ(error.column, 45);
}

TEST(RuleFileTest, UnknownFieldInTheQueryIsRefusedAtItsFilePosition) {
  const RuleError error = TextError(RuleWithQuery(
      "query = '''\n"
      "process where process.hash.sha256 == \"abc\"\n"
      "'''"));
  EXPECT_EQ(error.ToString(),
            "test.toml:7:15: field \"process.hash.sha256\" is not supplied by audisp-imds");
}

TEST(RuleFileTest, TomlSyntaxErrorBecomesAFilePosition) {
  const RuleError error = TextError("[rule]\nname = \"t\"\nrisk_score = = 3\n");
  EXPECT_EQ(error.file, "test.toml");
  EXPECT_EQ(error.line, 3);
  EXPECT_GT(error.column, 0);
  EXPECT_FALSE(error.message.empty());
}

TEST(RuleFileTest, MissingRequiredKeyIsReportedAtTheRuleTable) {
  const RuleError error = TextError("[metadata]\nmaturity = \"x\"\n\n[rule]\nname = \"t\"\n"
                                    "risk_score = 1\nseverity = \"low\"\nquery = \"x\"\n");
  EXPECT_EQ(error.ToString(), "test.toml:4:1: [rule] needs \"rule_id\"");
}

TEST(RuleFileTest, MistypedOrInvalidKeysAreRefusedWhereTheyAre) {
  EXPECT_EQ(TextError("[rule]\nname = \"t\"\nrule_id = \"i\"\nrisk_score = \"47\"\n"
                      "severity = \"low\"\nquery = \"x\"\n")
                .ToString(),
            "test.toml:4:14: \"rule.risk_score\" must be an integer");
  EXPECT_EQ(TextError("[rule]\nname = \"t\"\nrule_id = \"i\"\nrisk_score = 470\n"
                      "severity = \"low\"\nquery = \"x\"\n")
                .ToString(),
            "test.toml:4:14: risk_score must be between 0 and 100");
  EXPECT_EQ(TextError(RuleWithQuery("language = \"kuery\"\nquery = \"x\"")).ToString(),
            "test.toml:6:12: rule language \"kuery\" is not supported (only eql)");
  EXPECT_EQ(TextError(RuleWithQuery("type = \"query\"\nquery = \"x\"")).ToString(),
            "test.toml:6:8: rule type \"query\" is not supported (only eql)");
  EXPECT_EQ(TextError("[rule]\nname = \"t\"\nrule_id = \"i\"\nrisk_score = 1\n"
                      "severity = \"urgent\"\nquery = \"x\"\n")
                .ToString(),
            "test.toml:5:12: severity \"urgent\" is not one of low, medium, high, critical");
  EXPECT_EQ(TextError("title = \"no rule here\"\n").ToString(),
            "test.toml:1:1: no [rule] table: not a detection rule file");
}

TEST(RuleFileTest, UnusedKeysAreIgnoredSoElasticFilesLoadUnchanged) {
  auto result = LoadRuleText(
      RuleWithQuery("note = \"\"\"long\"\"\"\nsetup = \"x\"\nmax_signals = 100\n"
                    "timestamp_override = \"event.ingested\"\n"
                    "query = \"network where destination.port == 80\""),
      "test.toml");
  ASSERT_TRUE(std::holds_alternative<Rule>(result)) << std::get<RuleError>(result).ToString();
  EXPECT_EQ(std::get<Rule>(result).meta.version, "");
}

TEST(RuleFileTest, ThreatWithSeveralTechniquesBecomesOneEntryPerTechnique) {
  auto result = LoadRuleText(RuleWithQuery("query = \"network where destination.port == 80\"\n"
                                           "[[rule.threat]]\n"
                                           "framework = \"MITRE ATT&CK\"\n"
                                           "[[rule.threat.technique]]\n"
                                           "id = \"T1\"\n"
                                           "name = \"One\"\n"
                                           "[[rule.threat.technique]]\n"
                                           "id = \"T2\"\n"
                                           "name = \"Two\"\n"
                                           "[rule.threat.tactic]\n"
                                           "id = \"TA1\"\n"
                                           "name = \"Tactic\"\n"),
                             "test.toml");
  ASSERT_TRUE(std::holds_alternative<Rule>(result)) << std::get<RuleError>(result).ToString();
  const auto& threats = std::get<Rule>(result).meta.threats;
  ASSERT_EQ(threats.size(), 2u);
  EXPECT_EQ(threats[0].technique_id, "T1");
  EXPECT_EQ(threats[1].technique_id, "T2");
  EXPECT_EQ(threats[1].tactic_id, "TA1");
  EXPECT_EQ(threats[1].framework, "MITRE ATT&CK");
}

TEST(RuleFileTest, UnreadableFileIsAnErrorWithoutPosition) {
  auto result = LoadRuleFile("/nonexistent/rule.toml");
  ASSERT_TRUE(std::holds_alternative<RuleError>(result));
  EXPECT_EQ(std::get<RuleError>(result).ToString(),
            "/nonexistent/rule.toml: cannot open rule file: No such file or directory");
  auto directory = LoadRuleFile(IMDS_SOURCE_DIR "/rules");
  ASSERT_TRUE(std::holds_alternative<RuleError>(directory));
  EXPECT_EQ(std::get<RuleError>(directory).line, 0);
}

TEST(RuleFileTest, ErrorToStringHasFileLineColumnAndMessage) {
  EXPECT_EQ((RuleError{"r.toml", 3, 7, "bad"}).ToString(), "r.toml:3:7: bad");
  EXPECT_EQ((RuleError{"r.toml", 0, 0, "unreadable"}).ToString(), "r.toml: unreadable");
}

}  // namespace
}  // namespace imds
