#include "config/config.h"

#include <gtest/gtest.h>

namespace imds {
namespace {

Config MustLoad(std::string_view text) {
  ConfigResult r = LoadConfigText(text, "test.toml");
  if (auto* e = std::get_if<ConfigError>(&r)) {
    ADD_FAILURE() << e->ToString();
    return Config{};
  }
  return std::get<Config>(r);
}

ConfigError MustFail(std::string_view text) {
  ConfigResult r = LoadConfigText(text, "test.toml");
  if (auto* e = std::get_if<ConfigError>(&r)) return *e;
  ADD_FAILURE() << "config was accepted:\n" << text;
  return ConfigError{};
}

TEST(ConfigTest, EmptyFileGivesSafeDefaults) {
  Config c = MustLoad("");
  EXPECT_TRUE(c.builtin_rule);
  EXPECT_TRUE(c.rule_files.empty());
  EXPECT_EQ(c.output, OutputMode::kSyslog);
  EXPECT_EQ(c.syslog.ident, "audisp-imds");
  EXPECT_EQ(c.syslog.socket_path, "/dev/log");
  EXPECT_EQ(c.syslog.format, MessageFormat::kKeyValue);
  EXPECT_GT(c.process_table_capacity, 0u);
  EXPECT_EQ(c.status_interval_seconds, 0u);
  EXPECT_EQ(c.alerts_per_window, 100u);
  EXPECT_EQ(c.alert_window_seconds, 300u);
  EXPECT_EQ(c.lateness_allowance_seconds, 135u);
  EXPECT_EQ(c.source, "test.toml");
}

TEST(ConfigTest, FullConfigIsRead) {
  Config c = MustLoad(R"(
[rules]
files = ["/a.toml", "/b.toml"]
directory = "/etc/audit/audisp-imds.d"
[output]
mode = "file"
file = "/var/log/imds.json"
[syslog]
ident = "imds"
facility = "local3"
priority = "alert"
socket = "/run/test.sock"
format = "json"
queue = 10
[limits]
process_table = 1000
pending_sequences = 500
lateness_allowance = 30
status_interval = 60
alerts_per_window = 7
alert_window = 30
[host]
id = "h-1"
name = "web-1"
)");
  EXPECT_FALSE(c.builtin_rule);
  EXPECT_EQ(c.rule_files, (std::vector<std::string>{"/a.toml", "/b.toml"}));
  EXPECT_EQ(c.rules_directory, "/etc/audit/audisp-imds.d");
  EXPECT_EQ(c.output, OutputMode::kFile);
  EXPECT_EQ(c.output_file, "/var/log/imds.json");
  EXPECT_EQ(c.syslog.ident, "imds");
  EXPECT_EQ(c.syslog.facility, "local3");
  EXPECT_EQ(c.syslog.priority, "alert");
  EXPECT_EQ(c.syslog.socket_path, "/run/test.sock");
  EXPECT_EQ(c.syslog.format, MessageFormat::kJson);
  EXPECT_EQ(c.syslog.queue_limit, 10u);
  EXPECT_EQ(c.process_table_capacity, 1000u);
  EXPECT_EQ(c.max_pending_sequences, 500u);
  EXPECT_EQ(c.lateness_allowance_seconds, 30u);
  EXPECT_EQ(c.status_interval_seconds, 60u);
  EXPECT_EQ(c.alerts_per_window, 7u);
  EXPECT_EQ(c.alert_window_seconds, 30u);
  EXPECT_EQ(c.host_id, "h-1");
  EXPECT_EQ(c.host_name, "web-1");
}

TEST(ConfigTest, BuiltinRuleCanBeKeptBesideExtraFiles) {
  Config c = MustLoad("[rules]\nbuiltin = true\nfiles = [\"/x.toml\"]\n");
  EXPECT_TRUE(c.builtin_rule);
  EXPECT_EQ(c.rule_files.size(), 1u);
}

TEST(ConfigTest, UnknownKeyIsAnErrorAtItsLine) {
  ConfigError e = MustFail("[syslog]\nident = \"x\"\nfacilty = \"auth\"\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 1);
  EXPECT_NE(e.message.find("unknown key \"syslog.facilty\""), std::string::npos) << e.message;
}

TEST(ConfigTest, UnknownSectionIsAnError) {
  ConfigError e = MustFail("[output]\nmode = \"stdout\"\n\n[outptu]\nmode = \"x\"\n");
  EXPECT_EQ(e.line, 4);
  EXPECT_NE(e.message.find("outptu"), std::string::npos);
}

TEST(ConfigTest, WrongTypeIsAnErrorAtItsLine) {
  ConfigError e = MustFail("\n[limits]\nprocess_table = \"big\"\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("limits.process_table\" must be an integer"), std::string::npos) << e.message;
  e = MustFail("[rules]\nfiles = \"/one.toml\"\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("array of strings"), std::string::npos);
  e = MustFail("[rules]\nfiles = [\"/a\", 3]\n");
  EXPECT_EQ(e.line, 2);
}

TEST(ConfigTest, OutOfRangeNumberIsRefused) {
  ConfigError e = MustFail("[limits]\nprocess_table = 0\n");
  EXPECT_NE(e.message.find("between"), std::string::npos);
}

TEST(ConfigTest, LatenessAllowanceIsSecondsFromZeroToAnHour) {
  EXPECT_EQ(MustLoad("[limits]\nlateness_allowance = 0\n").lateness_allowance_seconds, 0u);
  EXPECT_EQ(MustLoad("[limits]\nlateness_allowance = 3600\n").lateness_allowance_seconds, 3600u);
  ConfigError e = MustFail("[limits]\npending_sequences = 100\nlateness_allowance = 3601\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("\"limits.lateness_allowance\" must be between 0 and 3600, not 3601"),
            std::string::npos)
      << e.message;
  e = MustFail("[limits]\nlateness_allowance = -1\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("lateness_allowance"), std::string::npos) << e.message;
  e = MustFail("[limits]\nlateness_allowance = 1.5\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("must be an integer"), std::string::npos) << e.message;
}

TEST(ConfigTest, BadEnumValuesAreRefusedWithTheValue) {
  EXPECT_NE(MustFail("[output]\nmode = \"kafka\"\n").message.find("kafka"), std::string::npos);
  EXPECT_NE(MustFail("[output]\nmode = \"file\"\n").message.find("output.file"), std::string::npos);
  EXPECT_NE(MustFail("[syslog]\nfacility = \"local9\"\n").message.find("local9"), std::string::npos);
  EXPECT_NE(MustFail("[syslog]\npriority = \"loud\"\n").message.find("loud"), std::string::npos);
  EXPECT_NE(MustFail("[syslog]\nformat = \"xml\"\n").message.find("xml"), std::string::npos);
  EXPECT_NE(MustFail("[syslog]\nident = \"a b\"\n").message.find("ident"), std::string::npos);
}

TEST(ConfigTest, TomlSyntaxErrorHasFileLineColumn) {
  ConfigError e = MustFail("[output]\nmode = \"stdout\n");
  EXPECT_EQ(e.file, "test.toml");
  EXPECT_EQ(e.line, 2);
  EXPECT_GT(e.column, 0);
  EXPECT_EQ(e.ToString().rfind("test.toml:2:", 0), 0u) << e.ToString();
}

TEST(ConfigTest, MissingFileIsAClearError) {
  ConfigResult r = LoadConfigFile("/nonexistent/audisp-imds.toml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(r));
  EXPECT_NE(std::get<ConfigError>(r).ToString().find("/nonexistent/audisp-imds.toml"), std::string::npos);
}

TEST(ConfigTest, ShippedConfigFileLoads) {
  ConfigResult r = LoadConfigFile(IMDS_SOURCE_DIR "/etc/audisp-imds.toml");
  ASSERT_TRUE(std::holds_alternative<Config>(r)) << std::get<ConfigError>(r).ToString();
  EXPECT_EQ(std::get<Config>(r).output, OutputMode::kSyslog);
}

TEST(ConfigTest, OutputOverrideChoosesSinkOrFile) {
  Config c;
  ApplyOutputOverride(c, "stdout");
  EXPECT_EQ(c.output, OutputMode::kStdout);
  ApplyOutputOverride(c, "/tmp/alerts.json");
  EXPECT_EQ(c.output, OutputMode::kFile);
  EXPECT_EQ(c.output_file, "/tmp/alerts.json");
  ApplyOutputOverride(c, "syslog");
  EXPECT_EQ(c.output, OutputMode::kSyslog);
}

}  // namespace
}  // namespace imds
