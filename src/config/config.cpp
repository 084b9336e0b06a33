#include "config/config.h"

#include <array>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace imds {

std::string ConfigError::ToString() const {
  std::ostringstream out;
  out << file;
  if (line > 0) out << ':' << line << ':' << column;
  out << ": " << message;
  return out.str();
}

namespace {

constexpr std::array<std::string_view, 20> kFacilities = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",
    "news",   "uucp",   "cron",   "authpriv", "ftp",  "local0", "local1",
    "local2", "local3", "local4", "local5", "local6", "local7"};
constexpr std::array<std::string_view, 8> kPriorities = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};

// Walks one TOML table, checking every key against what the caller expects,
// so an unknown or misspelt key is an error at its own line.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, const std::string& file)
      : table_(table), prefix_(std::move(prefix)), file_(file) {}

  // Returns false (with error_) when the key is present but not a T.
  template <typename T>
  bool Get(std::string_view key, T& out) {
    seen_.emplace_back(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) return true;
    if (auto v = node->value_exact<T>()) {
      out = *v;
      return true;
    }
    return Fail(*node, "\"" + Qualified(key) + "\" must be " + TypeName<T>());
  }

  bool GetString(std::string_view key, std::string& out) { return Get<std::string>(key, out); }

  bool GetSize(std::string_view key, size_t& out, int64_t min, int64_t max) {
    int64_t v = static_cast<int64_t>(out);
    if (!Get<int64_t>(key, v)) return false;
    if (v < min || v > max) {
      return Fail(*table_.get(key), "\"" + Qualified(key) + "\" must be between " +
                                        std::to_string(min) + " and " + std::to_string(max) +
                                        ", not " + std::to_string(v));
    }
    out = static_cast<size_t>(v);
    return true;
  }

  bool GetStringArray(std::string_view key, std::vector<std::string>& out, bool& present) {
    seen_.emplace_back(key);
    const toml::node* node = table_.get(key);
    present = node != nullptr;
    if (node == nullptr) return true;
    const toml::array* arr = node->as_array();
    if (arr == nullptr) return Fail(*node, "\"" + Qualified(key) + "\" must be an array of strings");
    out.clear();
    for (const toml::node& element : *arr) {
      auto s = element.value_exact<std::string>();
      if (!s) return Fail(element, "\"" + Qualified(key) + "\" must contain only strings");
      out.push_back(*s);
    }
    return true;
  }

  const toml::table* SubTable(std::string_view key) {
    seen_.emplace_back(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      Fail(*node, "\"" + Qualified(key) + "\" must be a table ([" + Qualified(key) + "])");
      return nullptr;
    }
    return node->as_table();
  }

  // Call after all Get*(): any key not asked for is unknown.
  bool RejectUnknownKeys() {
    for (const auto& [key, node] : table_) {
      bool known = false;
      for (const auto& s : seen_) known = known || s == key.str();
      if (!known) {
        return FailAt(key.source(), "unknown key \"" + Qualified(key.str()) +
                              "\" (see audisp-imds.toml(5) for the valid keys)");
      }
    }
    return true;
  }

  bool Fail(const toml::node& node, std::string message) {
    return FailAt(node.source(), std::move(message));
  }
  bool FailAt(const toml::source_region& where, std::string message) {
    if (!error_) {
      error_ = ConfigError{file_, static_cast<int>(where.begin.line),
                           static_cast<int>(where.begin.column), std::move(message)};
    }
    return false;
  }

  const std::optional<ConfigError>& error() const { return error_; }
  bool failed() const { return error_.has_value(); }

 private:
  template <typename T>
  static std::string TypeName() {
    if constexpr (std::is_same_v<T, std::string>) return "a string";
    if constexpr (std::is_same_v<T, int64_t>) return "an integer";
    if constexpr (std::is_same_v<T, bool>) return "true or false";
    return "of another type";
  }
  std::string Qualified(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }

  const toml::table& table_;
  std::string prefix_;
  const std::string& file_;
  std::vector<std::string> seen_;
  std::optional<ConfigError> error_;
};

std::optional<ConfigError> ReadConfig(const toml::table& root, const std::string& file,
                                      Config& config) {
  TableReader top(root, "", file);
  // Sections are read in a fixed order; the first error wins.
  if (const toml::table* rules = top.SubTable("rules")) {
    TableReader r(*rules, "rules", file);
    bool files_present = false;
    bool builtin_set = false;
    bool builtin = config.builtin_rule;
    if (r.GetStringArray("files", config.rule_files, files_present) &&
        r.GetString("directory", config.rules_directory)) {
      builtin_set = rules->get("builtin") != nullptr;
      r.Get<bool>("builtin", builtin);
    }
    if (!r.failed()) r.RejectUnknownKeys();
    if (r.failed()) return r.error();
    // Naming rules replaces the built-in default unless asked for both.
    config.builtin_rule =
        builtin_set ? builtin : (config.rule_files.empty() && config.rules_directory.empty());
  }
  if (top.failed()) return top.error();

  if (const toml::table* output = top.SubTable("output")) {
    TableReader o(*output, "output", file);
    std::string mode = "syslog";
    if (o.GetString("mode", mode) && o.GetString("file", config.output_file)) {
      if (mode == "syslog") {
        config.output = OutputMode::kSyslog;
      } else if (mode == "stdout") {
        config.output = OutputMode::kStdout;
      } else if (mode == "file") {
        config.output = OutputMode::kFile;
        if (config.output_file.empty()) {
          o.Fail(*output->get("mode"), "output.mode = \"file\" needs output.file = \"/path\"");
        }
      } else {
        o.Fail(*output->get("mode"), "output.mode must be \"syslog\", \"stdout\" or \"file\", not \"" +
                                         mode + "\"");
      }
    }
    if (!o.failed()) o.RejectUnknownKeys();
    if (o.failed()) return o.error();
  }
  if (top.failed()) return top.error();

  if (const toml::table* syslog = top.SubTable("syslog")) {
    TableReader s(*syslog, "syslog", file);
    SyslogSettings& st = config.syslog;
    std::string format = st.format == MessageFormat::kJson ? "json" : "kv";
    if (s.GetString("ident", st.ident) && s.GetString("facility", st.facility) &&
        s.GetString("priority", st.priority) && s.GetString("socket", st.socket_path) &&
        s.GetString("format", format) && s.GetSize("queue", st.queue_limit, 1, 1 << 20)) {
      if (!IsSyslogFacilityName(st.facility)) {
        s.Fail(*syslog->get("facility"),
               "syslog.facility \"" + st.facility + "\" is not a syslog facility (e.g. auth, daemon, local0)");
      } else if (!IsSyslogPriorityName(st.priority)) {
        s.Fail(*syslog->get("priority"), "syslog.priority \"" + st.priority +
                                             "\" is not a syslog priority (emerg .. debug)");
      } else if (format != "kv" && format != "json") {
        s.Fail(*syslog->get("format"), "syslog.format must be \"kv\" or \"json\", not \"" + format + "\"");
      } else if (st.ident.empty() || st.ident.size() > 48 ||
                 st.ident.find_first_of(" :[]\n") != std::string::npos) {
        s.Fail(*syslog->get("ident"), "syslog.ident must be 1-48 characters without spaces, ':' or brackets");
      }
      st.format = format == "json" ? MessageFormat::kJson : MessageFormat::kKeyValue;
    }
    if (!s.failed()) s.RejectUnknownKeys();
    if (s.failed()) return s.error();
  }
  if (top.failed()) return top.error();

  if (const toml::table* limits = top.SubTable("limits")) {
    TableReader l(*limits, "limits", file);
    size_t status = config.status_interval_seconds;
    size_t window = config.alert_window_seconds;
    size_t lateness = config.lateness_allowance_seconds;
    if (l.GetSize("process_table", config.process_table_capacity, 64, 1 << 24) &&
        l.GetSize("pending_sequences", config.max_pending_sequences, 16, 1 << 24) &&
        l.GetSize("lateness_allowance", lateness, 0, 3600) &&
        l.GetSize("status_interval", status, 0, 86400) &&
        l.GetSize("alerts_per_window", config.alerts_per_window, 0, 1 << 20) &&
        l.GetSize("alert_window", window, 1, 86400)) {
      config.lateness_allowance_seconds = static_cast<unsigned>(lateness);
      config.status_interval_seconds = static_cast<unsigned>(status);
      config.alert_window_seconds = static_cast<unsigned>(window);
    }
    if (!l.failed()) l.RejectUnknownKeys();
    if (l.failed()) return l.error();
  }
  if (top.failed()) return top.error();

  if (const toml::table* host = top.SubTable("host")) {
    TableReader h(*host, "host", file);
    if (h.GetString("id", config.host_id) && h.GetString("name", config.host_name)) {
      h.RejectUnknownKeys();
    }
    if (h.failed()) return h.error();
  }
  if (top.failed()) return top.error();
  top.RejectUnknownKeys();
  return top.error();
}

}  // namespace

ConfigResult LoadConfigText(std::string_view text, const std::string& display_name) {
  // Debian's toml++ is built with exceptions on (its default); this is the
  // one place a parse_error is turned into a value.
  toml::table root;
  try {
    root = toml::parse(text, display_name);
  } catch (const toml::parse_error& err) {
    return ConfigError{display_name, static_cast<int>(err.source().begin.line),
                       static_cast<int>(err.source().begin.column), std::string(err.description())};
  }
  Config config;
  config.source = display_name;
  if (auto error = ReadConfig(root, display_name, config)) return *error;
  return config;
}

ConfigError ConfigFileCannotBeOpened(const std::string& path) {
  return ConfigError{path, 0, 0, "cannot open the configuration file (check the path given with --config)"};
}

ConfigResult LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigFileCannotBeOpened(path);
  std::ostringstream text;
  text << in.rdbuf();
  return LoadConfigText(text.str(), path);
}

void ApplyOutputOverride(Config& config, const std::string& output) {
  if (output == "syslog") {
    config.output = OutputMode::kSyslog;
  } else if (output == "stdout" || output == "-") {
    config.output = OutputMode::kStdout;
  } else {
    config.output = OutputMode::kFile;
    config.output_file = output;
  }
}

bool IsSyslogFacilityName(std::string_view name) {
  for (auto f : kFacilities) {
    if (f == name) return true;
  }
  return false;
}

bool IsSyslogPriorityName(std::string_view name) {
  for (auto p : kPriorities) {
    if (p == name) return true;
  }
  return false;
}

}  // namespace imds
