#include "output/alert_format.h"

#include <algorithm>
#include <cctype>
#include <type_traits>
#include <utility>
#include <vector>

namespace imds {

namespace {

constexpr char kEcsVersion[] = "8.11.0";

// The alert's fields as a small tree, built once and then written either as
// nested JSON or as flat dotted key=value pairs.
struct Node {
  enum class Kind { kObject, kArray, kString, kNumber };

  Kind kind = Kind::kObject;
  std::string text;  // a string's raw (unescaped) value, or a number's digits
  std::vector<std::pair<std::string, Node>> members;  // kObject
  std::vector<Node> items;                            // kArray
  bool in_key_value = true;  // false: written in JSON only

  static Node Object() { return Node{}; }
  static Node Array() {
    Node n;
    n.kind = Kind::kArray;
    return n;
  }
  static Node String(std::string s) {
    Node n;
    n.kind = Kind::kString;
    n.text = std::move(s);
    return n;
  }
  template <typename Integer>
  static Node Number(Integer v) {
    static_assert(std::is_integral_v<Integer>);
    Node n;
    n.kind = Kind::kNumber;
    n.text = std::to_string(v);
    return n;
  }

  // Objects and arrays with nothing to show are omitted.
  bool IsEmpty() const {
    switch (kind) {
      case Kind::kObject:
        return std::all_of(members.begin(), members.end(), [](const auto& m) { return m.second.IsEmpty(); });
      case Kind::kArray:
        return std::all_of(items.begin(), items.end(), [](const Node& n) { return n.IsEmpty(); });
      default:
        return false;
    }
  }

  // The reference is valid until the next Add() to this node.
  Node& Add(std::string key, Node value) {
    members.emplace_back(std::move(key), std::move(value));
    return members.back().second;
  }
  // Null (empty) strings are not added.
  void AddString(std::string key, const std::string& value) {
    if (!value.empty()) Add(std::move(key), String(value));
  }
  void AddOptional(std::string key, const std::optional<std::string>& value) {
    if (value) AddString(std::move(key), *value);
  }
  void AddNumber(std::string key, std::optional<int64_t> value) {
    if (value) Add(std::move(key), Number(*value));
  }
};

// Pid-like numbers use -1 for "unknown".
std::optional<int64_t> Known(int64_t v) { return v >= 0 ? std::optional<int64_t>(v) : std::nullopt; }

const EcsEvent* ProcessEvent(const Alert& alert) {
  for (const auto& e : alert.events)
    if (e.category == EventCategory::kProcess) return &e;
  return alert.events.empty() ? nullptr : &alert.events.front();
}

const EcsEvent* NetworkEvent(const Alert& alert) {
  for (auto it = alert.events.rbegin(); it != alert.events.rend(); ++it)
    if (it->category == EventCategory::kNetwork) return &*it;
  return nullptr;
}

Node ThreatNode(const AlertThreat& t) {
  Node threat = Node::Object();
  threat.AddString("framework", t.framework);
  Node& tactic = threat.Add("tactic", Node::Object());
  tactic.AddString("id", t.tactic_id);
  tactic.AddString("name", t.tactic_name);
  Node& techniques = threat.Add("technique", Node::Array());
  Node technique = Node::Object();
  technique.AddString("id", t.technique_id);
  technique.AddString("name", t.technique_name);
  Node& subs = technique.Add("subtechnique", Node::Array());
  for (const auto& id : t.subtechnique_ids) {
    Node sub = Node::Object();
    sub.AddString("id", id);
    subs.items.push_back(std::move(sub));
  }
  techniques.items.push_back(std::move(technique));
  return threat;
}

Node ProcessNode(const EcsEvent& e, const FormatLimits& limits) {
  Node p = Node::Object();
  p.AddNumber("pid", Known(e.pid));
  if (!e.executable.empty()) {
    p.AddString("name", BaseName(e.executable.front()));
    p.AddString("executable", e.executable.front());
    if (e.executable.size() > 1) {
      Node& paths = p.Add("executable_paths", Node::Array());
      for (const auto& exe : e.executable) paths.items.push_back(Node::String(exe));
    }
  }
  p.AddString("command_line", e.command_line);
  Node& args = p.Add("args", Node::Array());
  args.in_key_value = false;
  const size_t kept = limits.max_args == kNoCap ? e.args.size() : std::min(limits.max_args, e.args.size());
  for (size_t i = 0; i < kept; ++i) args.items.push_back(Node::String(e.args[i]));
  if (e.category == EventCategory::kProcess) p.AddNumber("args_count", static_cast<int64_t>(e.args.size()));
  p.AddOptional("working_directory", e.working_directory);
  p.AddOptional("entity_id", e.entity_id);
  Node& parent = p.Add("parent", Node::Object());
  parent.AddNumber("pid", Known(e.ppid));
  if (e.parent_executable) {
    parent.AddString("name", BaseName(*e.parent_executable));
    parent.AddString("executable", *e.parent_executable);
  }
  parent.AddOptional("entity_id", e.parent_entity_id);
  p.Add("entry_leader", Node::Object()).AddOptional("executable", e.entry_leader_executable);
  return p;
}

// `primary` is the event `process.*` came from: its executable is not
// repeated; the other stages name theirs (the connecting process may be a
// sibling of the exec'd one).
Node AuditNode(const Alert& alert, const EcsEvent* primary) {
  Node audit = Node::Object();
  std::vector<std::string> used;
  for (size_t i = 0; i < alert.events.size(); ++i) {
    const EcsEvent& e = alert.events[i];
    std::string key = e.category == EventCategory::kNetwork ? "connect" : "exec";
    if (std::find(used.begin(), used.end(), key) != used.end()) key += "_" + std::to_string(i + 1);
    used.push_back(key);
    Node& stage = audit.Add(key, Node::Object());
    stage.Add("serial", Node::Number(e.stamp.serial));
    stage.AddString("timestamp", FormatTimestamp(e.stamp));
    stage.AddNumber("pid", Known(e.pid));
    if (&e != primary && !e.executable.empty()) stage.AddString("executable", e.executable.front());
    stage.AddNumber("session", e.session_id);
    if (e.category == EventCategory::kNetwork) stage.AddString("result", e.syscall_result);
  }
  return audit;
}

Node AlertTree(const Alert& alert, const FormatLimits& limits) {
  Node root = Node::Object();
  if (!alert.events.empty()) root.AddString("@timestamp", FormatTimestamp(alert.events.back().stamp));
  // The schema version is for JSON consumers; it is noise in a syslog line.
  Node& ecs = root.Add("ecs", Node::Object());
  ecs.AddString("version", std::string(kEcsVersion));
  ecs.in_key_value = false;

  Node& event = root.Add("event", Node::Object());
  event.AddString("kind", std::string("alert"));
  const int severity = SeverityNumber(alert.rule.severity);
  if (severity >= 0) event.AddNumber("severity", severity);
  event.AddNumber("risk_score", alert.rule.risk_score);
  root.Add("labels", Node::Object()).AddString("severity", alert.rule.severity);

  Node& rule = root.Add("rule", Node::Object());
  rule.AddString("name", alert.rule.name);
  rule.AddString("id", alert.rule.id);
  rule.AddString("version", alert.rule.version);

  Node& threats = root.Add("threat", Node::Array());
  for (const auto& t : alert.rule.threats) threats.items.push_back(ThreatNode(t));

  const EcsEvent* process = ProcessEvent(alert);
  if (process != nullptr) {
    Node& host = root.Add("host", Node::Object());
    host.AddString("id", process->host_id);
    host.AddString("name", process->host_name);
    host.Add("os", Node::Object()).AddString("type", std::string("linux"));
    if (process->uid) root.Add("user", Node::Object()).AddString("id", std::to_string(*process->uid));
    root.Add("process", ProcessNode(*process, limits));
    // Not ECS: a script's interpreter has no field there; ours are named
    // under the product's own namespace so that no ECS consumer misreads it.
    if (process->interpreter) {
      root.Add("audisp_imds", Node::Object()).Add("process", Node::Object()).AddString("interpreter",
                                                                                      *process->interpreter);
    }
  }
  if (const EcsEvent* network = NetworkEvent(alert)) {
    Node& destination = root.Add("destination", Node::Object());
    destination.AddString("ip", network->destination_ip);
    destination.AddNumber("port", network->destination_port);
  }
  root.Add("audit", AuditNode(alert, process));
  return root;
}

// A line under construction: literal text of ours and string values from
// the alert, kept apart so that the values can be escaped and cut again with
// a different cap until the line fits.
class Line {
 public:
  explicit Line(EscapeStyle style) : style_(style) {}

  void Literal(std::string_view text) {
    if (pieces_.empty() || pieces_.back().is_value) pieces_.push_back({false, {}});
    pieces_.back().text += text;
  }
  void Value(std::string raw) { pieces_.push_back({true, std::move(raw)}); }

  std::string Render(size_t value_cap) const {
    std::string out;
    for (const auto& p : pieces_) {
      if (p.is_value) {
        AppendQuoted(out, p.text, style_, value_cap);
      } else {
        out += p.text;
      }
    }
    return out;
  }

  std::string RenderWithin(const FormatLimits& limits) const {
    std::string out = Render(limits.max_value_bytes);
    const size_t max_line = limits.max_line_bytes;
    if (max_line == kNoCap || out.size() <= max_line) return out;
    // The largest common cap that fits. Longer caps give longer lines except
    // for the odd byte of the marker's count, so a binary search finds a
    // fitting cap (if not always the very largest).
    size_t lo = 1;
    size_t hi = limits.max_value_bytes == kNoCap ? max_line : std::min(limits.max_value_bytes, max_line);
    std::string best;
    while (lo <= hi) {
      const size_t mid = lo + (hi - lo) / 2;
      std::string candidate = Render(mid);
      if (candidate.size() <= max_line) {
        best = std::move(candidate);
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return best.empty() ? Render(1) : best;
  }

 private:
  struct Piece {
    bool is_value;
    std::string text;
  };
  EscapeStyle style_;
  std::vector<Piece> pieces_;
};

void WriteJson(const Node& node, Line& line) {
  switch (node.kind) {
    case Node::Kind::kObject: {
      line.Literal("{");
      bool first = true;
      for (const auto& [key, value] : node.members) {
        if (value.IsEmpty()) continue;
        if (!first) line.Literal(",");
        first = false;
        line.Literal(JsonQuote(key));
        line.Literal(":");
        WriteJson(value, line);
      }
      line.Literal("}");
      break;
    }
    case Node::Kind::kArray: {
      line.Literal("[");
      bool first = true;
      for (const auto& item : node.items) {
        if (item.IsEmpty()) continue;
        if (!first) line.Literal(",");
        first = false;
        WriteJson(item, line);
      }
      line.Literal("]");
      break;
    }
    case Node::Kind::kString:
      line.Value(node.text);
      break;
    case Node::Kind::kNumber:
      line.Literal(node.text);
      break;
  }
}

struct KeyValueField {
  std::string key;
  bool is_number = false;
  std::vector<std::string> values;  // distinct, in order of appearance
};

void Flatten(const Node& node, const std::string& key, std::vector<KeyValueField>& fields) {
  if (!node.in_key_value) return;
  switch (node.kind) {
    case Node::Kind::kObject:
      for (const auto& [name, value] : node.members) Flatten(value, key.empty() ? name : key + "." + name, fields);
      return;
    case Node::Kind::kArray:
      for (const auto& item : node.items) Flatten(item, key, fields);
      return;
    case Node::Kind::kString:
    case Node::Kind::kNumber: {
      auto it = std::find_if(fields.begin(), fields.end(), [&](const KeyValueField& f) { return f.key == key; });
      if (it == fields.end()) {
        fields.push_back({key, node.kind == Node::Kind::kNumber, {node.text}});
      } else {
        it->is_number = false;  // several values are joined into one string
        if (std::find(it->values.begin(), it->values.end(), node.text) == it->values.end())
          it->values.push_back(node.text);
      }
      return;
    }
  }
}

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += values[i];
  }
  return out;
}

}  // namespace

int SeverityNumber(const std::string& label) {
  std::string lower = label;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "low") return 21;
  if (lower == "medium") return 47;
  if (lower == "high") return 73;
  if (lower == "critical") return 99;
  return -1;
}

std::string FormatAlertJson(const Alert& alert, const FormatLimits& limits) {
  const Node tree = AlertTree(alert, limits);
  Line line(EscapeStyle::kJson);
  WriteJson(tree, line);
  return line.RenderWithin(limits);
}

std::string FormatAlertKeyValue(const Alert& alert, const FormatLimits& limits) {
  const Node tree = AlertTree(alert, limits);
  std::vector<KeyValueField> fields;
  Flatten(tree, "", fields);
  Line line(EscapeStyle::kKeyValue);
  for (size_t i = 0; i < fields.size(); ++i) {
    const KeyValueField& f = fields[i];
    line.Literal(i == 0 ? "" : " ");
    line.Literal(f.key);
    line.Literal("=");
    if (f.is_number) {
      line.Literal(f.values.front());
    } else {
      line.Value(Join(f.values));
    }
  }
  return line.RenderWithin(limits);
}

std::string FormatAlert(const Alert& alert, AlertFormat format, const FormatLimits& limits) {
  return format == AlertFormat::kJson ? FormatAlertJson(alert, limits) : FormatAlertKeyValue(alert, limits);
}

}  // namespace imds
