#include "rule/rule_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <toml++/toml.h>
#include <utility>

#include "rule/compiler.h"

namespace imds {

namespace {

// Steps a position over one byte the way toml++ counts: a new line after
// '\n', one column per code point (UTF-8 continuation bytes add none).
void Step(QueryPosition& pos, unsigned char c) {
  if (c == '\n') {
    ++pos.line;
    pos.column = 1;
  } else if ((c & 0xC0) != 0x80) {
    ++pos.column;
  }
}

bool Same(const QueryPosition& a, const QueryPosition& b) {
  return a.line == b.line && a.column == b.column;
}

// Byte offset of `target` in `text`, npos when the text has no such position.
size_t OffsetOf(std::string_view text, QueryPosition target) {
  QueryPosition pos;
  for (size_t i = 0; i < text.size(); ++i) {
    if (Same(pos, target)) return i;
    Step(pos, static_cast<unsigned char>(text[i]));
  }
  return Same(pos, target) ? text.size() : std::string_view::npos;
}

size_t Utf8Length(unsigned long code_point) {
  if (code_point < 0x80) return 1;
  if (code_point < 0x800) return 2;
  if (code_point < 0x10000) return 3;
  return 4;
}

// Maps a position inside the decoded value of a TOML string to its position
// in the file. The string's node begins at its opening delimiter; the walk
// re-reads the raw string as TOML does (delimiter, the newline trimmed after
// an opening """ or ''', escapes and line-ending backslashes in basic
// strings, CRLF read as LF) so the result is exact even where the value and
// the source differ.
QueryPosition MapToFile(std::string_view file, const toml::source_position& begin,
                        std::string_view value, QueryPosition in_value) {
  const QueryPosition start{static_cast<int>(begin.line), static_cast<int>(begin.column)};
  const size_t target = OffsetOf(value, in_value);
  size_t r = OffsetOf(file, start);
  if (target == std::string_view::npos || r == std::string_view::npos) return start;

  QueryPosition pos = start;
  auto at = [&](size_t k) { return r + k < file.size() ? file[r + k] : '\0'; };
  auto advance = [&](size_t n) {
    for (size_t k = 0; k < n && r < file.size(); ++k, ++r) {
      Step(pos, static_cast<unsigned char>(file[r]));
    }
  };

  bool literal = false;
  bool multi_line = false;
  if (file.substr(r, 3) == "'''" || file.substr(r, 3) == "\"\"\"") {
    literal = at(0) == '\'';
    multi_line = true;
    advance(3);
    if (at(0) == '\n') {
      advance(1);
    } else if (at(0) == '\r' && at(1) == '\n') {
      advance(2);
    }
  } else if (at(0) == '\'' || at(0) == '"') {
    literal = at(0) == '\'';
    advance(1);
  } else {
    return start;
  }

  for (size_t i = 0; i < target;) {
    if (r >= file.size()) return start;
    const char c = at(0);
    if (!literal && c == '\\') {
      const char e = at(1);
      if (multi_line && (e == ' ' || e == '\t' || e == '\r' || e == '\n')) {
        // Line-ending backslash: it and all whitespace after it vanish.
        advance(1);
        while (at(0) == ' ' || at(0) == '\t' || at(0) == '\r' || at(0) == '\n') advance(1);
        continue;
      }
      if (e == 'u' || e == 'U') {
        const size_t digits = e == 'u' ? 4 : 8;
        const std::string hex(file.substr(r + 2, digits));
        i += Utf8Length(std::strtoul(hex.c_str(), nullptr, 16));
        advance(2 + digits);
        continue;
      }
      advance(2);
      ++i;
      continue;
    }
    if (c == '\r' && at(1) == '\n' && value[i] == '\n') {
      advance(2);
    } else {
      advance(1);
    }
    ++i;
  }
  return pos;
}

const char* kSeverities[] = {"low", "medium", "high", "critical"};

class RuleReader {
 public:
  RuleReader(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  std::variant<Rule, RuleError> Read() {
    toml::table document;
    try {
      document = toml::parse(text_, std::string_view(file_));
    } catch (const toml::parse_error& e) {
      return RuleError{file_, static_cast<int>(e.source().begin.line),
                       static_cast<int>(e.source().begin.column), std::string(e.description())};
    }
    Rule rule;
    rule.source = file_;
    if (ReadRule(document, rule)) return rule;
    return *error_;
  }

 private:
  bool Fail(const toml::source_position& at, std::string message) {
    if (!error_) {
      error_ = RuleError{file_, static_cast<int>(at.line), static_cast<int>(at.column),
                         std::move(message)};
    }
    return false;
  }
  bool Fail(const toml::node& at, std::string message) {
    return Fail(at.source().begin, std::move(message));
  }

  // Reads table.key as a string into `out`. Absent: fine unless required.
  bool GetString(const toml::table& table, const std::string& table_name, std::string_view key,
                 bool required, std::string& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      if (!required) return true;
      return Fail(table, "[" + table_name + "] needs \"" + std::string(key) + "\"");
    }
    if (const auto* s = node->as_string()) {
      out = s->get();
      return true;
    }
    return Fail(*node, "\"" + table_name + "." + std::string(key) + "\" must be a string");
  }

  bool GetInteger(const toml::table& table, const std::string& table_name, std::string_view key,
                  bool required, std::optional<int64_t>& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      if (!required) return true;
      return Fail(table, "[" + table_name + "] needs \"" + std::string(key) + "\"");
    }
    if (const auto* i = node->as_integer()) {
      out = i->get();
      return true;
    }
    return Fail(*node, "\"" + table_name + "." + std::string(key) + "\" must be an integer");
  }

  // An array of tables ([[name]]); absent yields an empty list.
  bool GetTables(const toml::table& table, const std::string& name, std::string_view key,
                 std::vector<const toml::table*>& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return true;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return Fail(*node, "\"" + name + "\" must be an array of tables ([[" + name + "]])");
    }
    for (const toml::node& element : *array) {
      const toml::table* t = element.as_table();
      if (t == nullptr) return Fail(element, "\"" + name + "\" must hold tables");
      out.push_back(t);
    }
    return true;
  }

  bool ReadRule(const toml::table& document, Rule& rule) {
    const toml::node* rule_node = document.get("rule");
    if (rule_node == nullptr) {
      return Fail(toml::source_position{1, 1}, "no [rule] table: not a detection rule file");
    }
    const toml::table* table = rule_node->as_table();
    if (table == nullptr) return Fail(*rule_node, "\"rule\" must be a table");

    AlertRule& meta = rule.meta;
    std::optional<int64_t> risk_score;
    std::optional<int64_t> version;
    std::string language;
    std::string type;
    if (!GetString(*table, "rule", "name", true, meta.name) ||
        !GetString(*table, "rule", "rule_id", true, meta.id) ||
        !GetString(*table, "rule", "severity", true, meta.severity) ||
        !GetInteger(*table, "rule", "risk_score", true, risk_score) ||
        !GetInteger(*table, "rule", "version", false, version) ||
        !GetString(*table, "rule", "language", false, language) ||
        !GetString(*table, "rule", "type", false, type) ||
        !GetString(*table, "rule", "query", true, rule.query_text)) {
      return false;
    }
    bool severity_known = false;
    for (const char* s : kSeverities) severity_known = severity_known || meta.severity == s;
    if (!severity_known) {
      return Fail(*table->get("severity"), "severity \"" + meta.severity +
                                               "\" is not one of low, medium, high, critical");
    }
    if (*risk_score < 0 || *risk_score > 100) {
      return Fail(*table->get("risk_score"), "risk_score must be between 0 and 100");
    }
    meta.risk_score = static_cast<int>(*risk_score);
    if (!language.empty() && language != "eql") {
      return Fail(*table->get("language"),
                  "rule language \"" + language + "\" is not supported (only eql)");
    }
    if (!type.empty() && type != "eql") {
      return Fail(*table->get("type"), "rule type \"" + type + "\" is not supported (only eql)");
    }

    if (version) {
      meta.version = std::to_string(*version);
    } else if (const toml::table* metadata = document["metadata"].as_table()) {
      if (!GetString(*metadata, "metadata", "updated_date", false, meta.version)) return false;
    }

    if (!ReadThreats(*table, meta)) return false;
    return CompileRuleQuery(*table->get("query"), rule);
  }

  bool ReadThreats(const toml::table& rule_table, AlertRule& meta) {
    std::vector<const toml::table*> threats;
    if (!GetTables(rule_table, "rule.threat", "threat", threats)) return false;
    for (const toml::table* threat : threats) {
      AlertThreat base;
      if (!GetString(*threat, "rule.threat", "framework", false, base.framework)) return false;
      if (const toml::node* tactic_node = threat->get("tactic")) {
        const toml::table* tactic = tactic_node->as_table();
        if (tactic == nullptr) return Fail(*tactic_node, "\"rule.threat.tactic\" must be a table");
        if (!GetString(*tactic, "rule.threat.tactic", "id", false, base.tactic_id) ||
            !GetString(*tactic, "rule.threat.tactic", "name", false, base.tactic_name)) {
          return false;
        }
      }
      std::vector<const toml::table*> techniques;
      if (!GetTables(*threat, "rule.threat.technique", "technique", techniques)) return false;
      // AlertThreat holds one technique: a threat listing several becomes
      // one entry per technique, each with the threat's tactic.
      if (techniques.empty()) meta.threats.push_back(base);
      for (const toml::table* technique : techniques) {
        AlertThreat entry = base;
        if (!GetString(*technique, "rule.threat.technique", "id", false, entry.technique_id) ||
            !GetString(*technique, "rule.threat.technique", "name", false,
                       entry.technique_name)) {
          return false;
        }
        std::vector<const toml::table*> subtechniques;
        if (!GetTables(*technique, "rule.threat.technique.subtechnique", "subtechnique",
                       subtechniques)) {
          return false;
        }
        for (const toml::table* sub : subtechniques) {
          std::string id;
          if (!GetString(*sub, "rule.threat.technique.subtechnique", "id", false, id)) {
            return false;
          }
          if (!id.empty()) entry.subtechnique_ids.push_back(std::move(id));
        }
        meta.threats.push_back(std::move(entry));
      }
    }
    return true;
  }

  bool CompileRuleQuery(const toml::node& query_node, Rule& rule) {
    auto compiled = CompileQueryText(rule.query_text);
    if (auto* error = std::get_if<RuleError>(&compiled)) {
      const QueryPosition at = MapToFile(text_, query_node.source().begin, rule.query_text,
                                         QueryPosition{error->line, error->column});
      error_ = RuleError{file_, at.line, at.column, error->message};
      return false;
    }
    rule.query = std::move(std::get<CompiledQuery>(compiled));
    return true;
  }

  std::string_view text_;
  const std::string& file_;
  std::optional<RuleError> error_;
};

}  // namespace

std::variant<Rule, RuleError> LoadRuleText(std::string_view toml_text,
                                           const std::string& display_name) {
  return RuleReader(toml_text, display_name).Read();
}

RuleError RuleFileCannotBeOpened(const std::string& path, int error) {
  return RuleError{path, 0, 0, std::string("cannot open rule file: ") + std::strerror(error)};
}

std::variant<Rule, RuleError> LoadRuleFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return RuleFileCannotBeOpened(path, errno);
  std::string text;
  char buffer[16384];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    text.append(buffer, n);
    if (text.size() > kMaxRuleFileBytes) {
      std::fclose(f);
      return RuleError{path, 0, 0,
                       "rule file is larger than " + std::to_string(kMaxRuleFileBytes) +
                           " bytes"};
    }
  }
  const bool failed = std::ferror(f) != 0;
  const int saved_errno = errno;
  std::fclose(f);
  if (failed) {
    return RuleError{path, 0, 0, std::string("cannot read rule file: ") +
                                     std::strerror(saved_errno)};
  }
  return LoadRuleText(text, path);
}

}  // namespace imds
