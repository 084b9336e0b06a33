#include "app/setup.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "app/builtin_rule.h"
#include "config/file_trust.h"
#include "output/stream_sink.h"
#include "output/syslog_sink.h"
#include "rule/compiler.h"
#include "rule/rule_file.h"

namespace imds {

namespace {

std::optional<std::string> AddRule(std::variant<Rule, RuleError> loaded, std::vector<Rule>& rules) {
  if (auto* error = std::get_if<RuleError>(&loaded)) return error->ToString();
  Rule& rule = std::get<Rule>(loaded);
  for (const Rule& other : rules) {
    if (other.meta.id == rule.meta.id) {
      return rule.source + ": rule_id " + rule.meta.id + " is already loaded from " + other.source +
             " (load one version of a rule at a time)";
    }
  }
  rules.push_back(std::move(rule));
  return std::nullopt;
}

// Rule and configuration files are read through ReadTrustedFile: the bytes
// parsed are those of the file whose owner and modes were judged.
std::optional<std::string> AddRuleFile(const std::string& path, std::vector<Rule>& rules) {
  auto read = ReadTrustedFile(path, geteuid(), kMaxRuleFileBytes);
  if (auto* untrusted = std::get_if<UntrustedFile>(&read)) {
    // A missing or unreadable file is worded as the loader words it.
    if (untrusted->open_error != 0) return RuleFileCannotBeOpened(path, untrusted->open_error).ToString();
    return untrusted->message;
  }
  return AddRule(LoadRuleText(std::get<std::string>(read), path), rules);
}

std::optional<std::string> LoadRules(const CommandLine& cl, const Config& config,
                                     std::vector<Rule>& rules) {
  if (!cl.rule_paths.empty()) {
    // Rules named on the command line replace the configured ones.
    for (const auto& path : cl.rule_paths) {
      if (auto error = AddRuleFile(path, rules)) return error;
    }
    return std::nullopt;
  }
  if (config.builtin_rule) {
    if (auto error = AddRule(LoadRuleText(BuiltinRuleText(), std::string(BuiltinRuleName())), rules)) {
      return error;
    }
  }
  for (const auto& path : config.rule_files) {
    if (auto error = AddRuleFile(path, rules)) return error;
  }
  if (!config.rules_directory.empty()) {
    namespace fs = std::filesystem;
    if (auto untrusted = CheckTrustedPath(config.rules_directory, geteuid())) return untrusted;
    std::error_code ec;
    std::vector<std::string> files;
    for (fs::directory_iterator it(config.rules_directory, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".toml" && it->is_regular_file(ec)) files.push_back(it->path().string());
    }
    if (ec) {
      return config.source + ": rules.directory \"" + config.rules_directory +
             "\" cannot be read: " + ec.message();
    }
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      if (auto error = AddRuleFile(path, rules)) return error;
    }
  }
  if (rules.empty()) {
    return config.source + ": no rule to run (rules.builtin = false and no rule files found)";
  }
  return std::nullopt;
}

const char* OutputName(OutputMode mode) {
  switch (mode) {
    case OutputMode::kSyslog:
      return "syslog";
    case OutputMode::kStdout:
      return "stdout";
    case OutputMode::kFile:
      return "file";
  }
  return "?";
}

}  // namespace

std::variant<Setup, std::string> LoadSetup(const CommandLine& cl) {
  Setup setup;
  if (cl.config_path) {
    auto read = ReadTrustedFile(*cl.config_path, geteuid(), kMaxConfigFileBytes);
    if (auto* untrusted = std::get_if<UntrustedFile>(&read)) {
      if (untrusted->open_error != 0) return ConfigFileCannotBeOpened(*cl.config_path).ToString();
      return untrusted->message;
    }
    ConfigResult loaded = LoadConfigText(std::get<std::string>(read), *cl.config_path);
    if (auto* error = std::get_if<ConfigError>(&loaded)) return error->ToString();
    setup.config = std::move(std::get<Config>(loaded));
  }
  if (cl.output) ApplyOutputOverride(setup.config, *cl.output);
  if (auto error = LoadRules(cl, setup.config, setup.rules)) return *error;
  return setup;
}

std::string DescribeSetup(const Setup& setup) {
  const Config& c = setup.config;
  std::ostringstream out;
  out << "config: " << c.source << "\n";
  out << "output: " << OutputName(c.output);
  if (c.output == OutputMode::kFile) out << " " << c.output_file;
  if (c.output == OutputMode::kSyslog) {
    out << " (socket " << c.syslog.socket_path << ", ident " << c.syslog.ident << ", "
        << c.syslog.facility << "." << c.syslog.priority << ", format "
        << (c.syslog.format == MessageFormat::kJson ? "json" : "kv") << ", queue " << c.syslog.queue_limit
        << ")";
  }
  out << "\n";
  out << "limits: process_table=" << c.process_table_capacity
      << " pending_sequences=" << c.max_pending_sequences
      << " lateness_allowance=" << c.lateness_allowance_seconds << "s status_interval=" << c.status_interval_seconds
      << "s alerts_per_window=" << c.alerts_per_window << " alert_window=" << c.alert_window_seconds << "s\n";
  out << "rules: " << setup.rules.size() << "\n";
  for (const Rule& rule : setup.rules) {
    out << "- " << rule.meta.name << "\n";
    out << "  id: " << rule.meta.id << "  version: " << (rule.meta.version.empty() ? "-" : rule.meta.version)
        << "  severity: " << rule.meta.severity << "  risk_score: " << rule.meta.risk_score << "\n";
    out << "  source: " << rule.source << "\n";
    out << "  compiled: " << ToCanonicalString(rule.query) << "\n";
  }
  return out.str();
}

bool SameRules(const std::vector<Rule>& a, const std::vector<Rule>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].source != b[i].source || a[i].query_text != b[i].query_text ||
        ToCanonicalString(a[i].query) != ToCanonicalString(b[i].query)) {
      return false;
    }
  }
  return true;
}

std::variant<std::unique_ptr<AlertSink>, std::string> MakeSink(const Config& config) {
  switch (config.output) {
    case OutputMode::kStdout:
      return std::unique_ptr<AlertSink>(std::make_unique<StreamSink>(STDOUT_FILENO, AlertFormat::kJson));
    case OutputMode::kFile: {
      auto opened = StreamSink::OpenFile(config.output_file, AlertFormat::kJson);
      if (auto* error = std::get_if<SinkError>(&opened)) {
        return config.source + ": output file: " + error->message;
      }
      return std::unique_ptr<AlertSink>(std::move(std::get<std::unique_ptr<StreamSink>>(opened)));
    }
    case OutputMode::kSyslog: {
      SyslogOptions options;
      options.socket_path = config.syslog.socket_path;
      options.ident = config.syslog.ident;
      options.facility = SyslogFacilityCode(config.syslog.facility).value_or(4);
      options.severity = SyslogSeverityCode(config.syslog.priority).value_or(4);
      options.format =
          config.syslog.format == MessageFormat::kJson ? AlertFormat::kJson : AlertFormat::kKeyValue;
      options.queue_limit = config.syslog.queue_limit;
      options.pid = getpid();
      return std::unique_ptr<AlertSink>(std::make_unique<SyslogSink>(std::move(options)));
    }
  }
  return std::string("unknown output mode");
}

}  // namespace imds
