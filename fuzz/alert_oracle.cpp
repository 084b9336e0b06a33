#include "fuzz/alert_oracle.h"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "output/alert_format.h"
#include "tests/output/json_checker.h"
#include "tests/output/kv_parser.h"

namespace imds::fuzzing {

namespace {

[[noreturn]] void Fail(const char* what, const std::string& line) {
  std::fprintf(stderr, "alert oracle: %s\nline (%zu bytes): %.2000s\n", what, line.size(), line.c_str());
  std::abort();
}

// RFC 3629 (no overlongs, no surrogates, nothing above U+10FFFF), written
// apart from src/output so that it checks rather than mirrors the escaper.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto b = static_cast<unsigned char>(s[i + k]);
      const unsigned min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) return false;
    }
    i += n + 1;
  }
  return true;
}

bool HasLineBreak(const std::string& line) {
  return line.find('\n') != std::string::npos || line.find('\r') != std::string::npos;
}

const EcsEvent* ProcessEventOf(const Alert& alert) {
  for (const auto& e : alert.events)
    if (e.category == EventCategory::kProcess) return &e;
  return alert.events.empty() ? nullptr : &alert.events.front();
}

// Dotted paths of every leaf of a JSON value ("threat.technique.id").
void LeafPaths(const testing::JsonValue& v, const std::string& path, std::set<std::string>& out) {
  using Type = testing::JsonValue::Type;
  switch (v.type) {
    case Type::kObject:
      for (const auto& [key, member] : v.object) LeafPaths(member, path.empty() ? key : path + "." + key, out);
      return;
    case Type::kArray:
      for (const auto& item : v.array) LeafPaths(item, path, out);
      return;
    default:
      out.insert(path);
  }
}

void ExpectJsonString(const testing::JsonValue& root, const char* path, const std::string& original,
                      const std::string& line) {
  if (original.empty() || !IsValidUtf8(original)) return;
  const testing::JsonValue* v = root.Path(path);
  if (v == nullptr || v->type != testing::JsonValue::Type::kString) Fail(path, line);
  if (v->text != original) Fail("a valid UTF-8 value does not round-trip through JSON", line);
}

void ExpectKvValue(const std::vector<testing::KvPair>& pairs, const char* key, const std::string& original,
                   const std::string& line) {
  if (original.empty()) return;
  for (const auto& p : pairs) {
    if (p.key != key) continue;
    if (!p.quoted || p.value != original) Fail("a key=value value does not round-trip", line);
    return;
  }
  Fail("a key=value field is missing", line);
}

testing::JsonValue CheckJson(const std::string& line) {
  if (HasLineBreak(line)) Fail("JSON alert holds a line break", line);
  testing::JsonParseResult parsed = testing::ParseJsonStrict(line);
  if (!parsed.value) Fail(("JSON alert does not parse: " + parsed.error).c_str(), line);
  if (parsed.value->type != testing::JsonValue::Type::kObject) Fail("JSON alert is not an object", line);
  return std::move(*parsed.value);
}

std::vector<testing::KvPair> CheckKeyValue(const std::string& line) {
  if (HasLineBreak(line)) Fail("key=value alert holds a line break", line);
  testing::KvParseResult parsed = testing::ParseKeyValueLine(line);
  if (!parsed.pairs) Fail(("key=value alert does not parse: " + parsed.error).c_str(), line);
  std::set<std::string> keys;
  for (const auto& p : *parsed.pairs)
    if (!keys.insert(p.key).second) Fail("key=value alert repeats a key (forged field?)", line);
  return std::move(*parsed.pairs);
}

}  // namespace

void CheckAlertFormats(const Alert& alert) {
  const EcsEvent* process = ProcessEventOf(alert);

  // Uncut JSON: strict, and valid UTF-8 values come back exactly.
  const std::string json = FormatAlertJson(alert, JsonFileLimits());
  const testing::JsonValue root = CheckJson(json);
  if (process != nullptr) {
    ExpectJsonString(root, "process.command_line", process->command_line, json);
    ExpectJsonString(root, "host.name", process->host_name, json);
    if (process->working_directory)
      ExpectJsonString(root, "process.working_directory", *process->working_directory, json);
    if (!process->executable.empty())
      ExpectJsonString(root, "process.executable", process->executable.front(), json);
    const testing::JsonValue* args = root.Path("process.args");
    bool all_valid = true;
    for (const auto& a : process->args) all_valid = all_valid && IsValidUtf8(a);
    if (all_valid && !process->args.empty()) {
      if (args == nullptr || args->array.size() != process->args.size()) Fail("process.args lost elements", json);
      for (size_t i = 0; i < args->array.size(); ++i)
        if (args->array[i].text != process->args[i]) Fail("a process.args element does not round-trip", json);
    }
  }

  // Uncut key=value: lossless whatever the bytes, and the same fields as
  // the JSON (less the JSON-only ones), so no value can add a key.
  FormatLimits uncut = KeyValueLimits();
  uncut.max_value_bytes = kNoCap;
  const std::string kv = FormatAlertKeyValue(alert, uncut);
  const std::vector<testing::KvPair> pairs = CheckKeyValue(kv);
  if (process != nullptr) {
    ExpectKvValue(pairs, "process.command_line", process->command_line, kv);
    ExpectKvValue(pairs, "host.name", process->host_name, kv);
    if (process->working_directory)
      ExpectKvValue(pairs, "process.working_directory", *process->working_directory, kv);
    if (!process->executable.empty()) ExpectKvValue(pairs, "process.executable", process->executable.front(), kv);
  }
  std::set<std::string> json_paths;
  LeafPaths(root, "", json_paths);
  json_paths.erase("ecs.version");
  json_paths.erase("process.args");
  std::set<std::string> kv_keys;
  for (const auto& p : pairs) kv_keys.insert(p.key);
  if (kv_keys != json_paths) Fail("key=value keys differ from the JSON fields", kv);

  // Cut forms (what the syslog sink sends): still well-formed.
  CheckKeyValue(FormatAlertKeyValue(alert, KeyValueLimits()));
  CheckKeyValue(FormatAlertKeyValue(alert, FormatLimits{kDefaultKeyValueValueCap, 1024, kNoCap}));
  CheckJson(FormatAlertJson(alert, FormatLimits{64, 2048, 3}));
  CheckKeyValue(FormatAlertKeyValue(alert, FormatLimits{5, 64, kNoCap}));
}

}  // namespace imds::fuzzing
