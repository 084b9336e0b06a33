// The plugin's configuration: TOML (toml++) in, a validated Config value out.
// Every problem is reported as "file:line:column: message" and loading stops
// at the first one, so a broken edit never half-applies (SIGHUP keeps the
// running config when the new one fails to load).
#ifndef AUDISP_IMDS_CONFIG_CONFIG_H
#define AUDISP_IMDS_CONFIG_CONFIG_H

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imds {

enum class OutputMode { kSyslog, kStdout, kFile };
enum class MessageFormat { kKeyValue, kJson };

struct SyslogSettings {
  std::string ident = "audisp-imds";
  std::string facility = "auth";
  std::string priority = "warning";
  std::string socket_path = "/dev/log";
  MessageFormat format = MessageFormat::kKeyValue;
  size_t queue_limit = 1024;  // alerts held while syslog is away
};

struct Config {
  // Where this config came from ("(built-in defaults)" when no file).
  std::string source = "(built-in defaults)";

  // Rules: the compiled-in default rule runs unless rule files or a rules
  // directory are given (or builtin_rule is set explicitly).
  bool builtin_rule = true;
  std::vector<std::string> rule_files;
  std::string rules_directory;  // every *.toml in it, sorted by name

  OutputMode output = OutputMode::kSyslog;
  std::string output_file;  // with OutputMode::kFile
  SyslogSettings syslog;

  size_t process_table_capacity = 32768;
  size_t max_pending_sequences = 100000;
  // How late (behind its host's newest audit time) an event may arrive and
  // still be matched by its own timestamp. 135 s covers a TCP connect that
  // times out (127 s with tcp_syn_retries = 6): its record is stamped when
  // the connect began. SequenceMatcher::kDefaultLatenessMillis is the same.
  unsigned lateness_allowance_seconds = 135;
  // Alert storms: at most this many alerts per rule per window (0: no
  // limit); the rest are counted and reported.
  size_t alerts_per_window = 100;
  unsigned alert_window_seconds = 300;
  // Seconds between status reports to syslog; 0 disables them.
  unsigned status_interval_seconds = 0;

  // Empty: /etc/machine-id and the host name. Events carrying node= use it.
  std::string host_id;
  std::string host_name;
};

struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string ToString() const;
};

using ConfigResult = std::variant<Config, ConfigError>;

// A configuration file is a few KiB; anything near this is not one.
constexpr size_t kMaxConfigFileBytes = 1 << 20;

ConfigResult LoadConfigFile(const std::string& path);
// The error for a configuration file that cannot be opened, as
// LoadConfigFile words it.
ConfigError ConfigFileCannotBeOpened(const std::string& path);
ConfigResult LoadConfigText(std::string_view text, const std::string& display_name);

// "syslog" / "stdout" / anything else is a file path.
void ApplyOutputOverride(Config& config, const std::string& output);

// Valid names for SyslogSettings::facility and ::priority.
bool IsSyslogFacilityName(std::string_view name);
bool IsSyslogPriorityName(std::string_view name);

}  // namespace imds

#endif  // AUDISP_IMDS_CONFIG_CONFIG_H
