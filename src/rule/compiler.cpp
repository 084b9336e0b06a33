#include "rule/compiler.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "rule/parser.h"

namespace imds {

bool StageAccepts(StageCategory stage, EventCategory category) {
  switch (stage) {
    case StageCategory::kProcess:
      return category == EventCategory::kProcess;
    case StageCategory::kNetwork:
      return category == EventCategory::kNetwork;
    case StageCategory::kAny:
      return true;
  }
  return false;
}

namespace {

class Compiler {
 public:
  std::optional<RuleError> error;

  bool ResolveField(const std::string& name, QueryPosition at, FieldId& out) {
    if (auto id = FieldFromName(name)) {
      out = *id;
      return true;
    }
    error = RuleError{"", at.line, at.column,
                      "field \"" + name + "\" is not supplied by audisp-imds"};
    return false;
  }

  bool Compile(const AstExpr& in, CompiledExpr& out) {
    switch (in.kind) {
      case AstExpr::Kind::kAnd:
      case AstExpr::Kind::kOr: {
        out.kind = in.kind == AstExpr::Kind::kAnd ? CompiledExpr::Kind::kAnd
                                                   : CompiledExpr::Kind::kOr;
        for (const AstExpr& child : in.children) {
          CompiledExpr compiled;
          if (!Compile(child, compiled)) return false;
          // "a and (b and c)" is "a and b and c": one flat node is cheaper to
          // evaluate and has one canonical spelling.
          if (compiled.kind == out.kind) {
            for (auto& grandchild : compiled.children) {
              out.children.push_back(std::move(grandchild));
            }
          } else {
            out.children.push_back(std::move(compiled));
          }
        }
        return true;
      }
      case AstExpr::Kind::kNot:
        out.kind = CompiledExpr::Kind::kNot;
        out.children.emplace_back();
        return Compile(in.children.front(), out.children.back());
      case AstExpr::Kind::kCompare:
        return CompileComparison(in, out);
    }
    return false;
  }

 private:
  bool CompileComparison(const AstExpr& in, CompiledExpr& out) {
    out.kind = CompiledExpr::Kind::kCompare;
    if (!ResolveField(in.field, in.field_position, out.field)) return false;
    if (in.op == AstCompareOp::kMatch) {
      out.op = CompareOp::kMatch;
      for (const AstLiteral& v : in.values) out.patterns.emplace_back(v.text);
      return true;
    }
    // The parser accepts a list only after ":".
    const AstLiteral& v = in.values.front();
    const bool equal = in.op == AstCompareOp::kEqual;
    if (v.kind == AstLiteral::Kind::kNull) {
      out.op = equal ? CompareOp::kIsNull : CompareOp::kIsNotNull;
    } else {
      out.op = equal ? CompareOp::kEqual : CompareOp::kNotEqual;
      out.value = v.text;
    }
    return true;
  }
};

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

void Print(const CompiledExpr& e, std::string& out) {
  auto operand = [&out](const CompiledExpr& child) {
    const bool group = child.kind == CompiledExpr::Kind::kAnd ||
                       child.kind == CompiledExpr::Kind::kOr;
    if (group) out += '(';
    Print(child, out);
    if (group) out += ')';
  };
  switch (e.kind) {
    case CompiledExpr::Kind::kAnd:
    case CompiledExpr::Kind::kOr: {
      const char* word = e.kind == CompiledExpr::Kind::kAnd ? " and " : " or ";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i > 0) out += word;
        operand(e.children[i]);
      }
      return;
    }
    case CompiledExpr::Kind::kNot:
      out += "not ";
      operand(e.children.front());
      return;
    case CompiledExpr::Kind::kCompare:
      break;
  }
  out += FieldName(e.field);
  switch (e.op) {
    case CompareOp::kIsNull:
      out += " == null";
      return;
    case CompareOp::kIsNotNull:
      out += " != null";
      return;
    case CompareOp::kEqual:
      out += " == " + Quote(e.value);
      return;
    case CompareOp::kNotEqual:
      out += " != " + Quote(e.value);
      return;
    case CompareOp::kMatch:
      out += " : ";
      if (e.patterns.size() == 1) {
        out += Quote(e.patterns.front().pattern());
        return;
      }
      out += '(';
      for (size_t i = 0; i < e.patterns.size(); ++i) {
        if (i > 0) out += ", ";
        out += Quote(e.patterns[i].pattern());
      }
      out += ')';
      return;
  }
}

const char* CategoryName(StageCategory c) {
  switch (c) {
    case StageCategory::kProcess:
      return "process";
    case StageCategory::kNetwork:
      return "network";
    case StageCategory::kAny:
      return "any";
  }
  return "?";
}

std::string DurationText(int64_t millis) {
  struct Unit {
    int64_t millis;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {
      {24 * 60 * 60 * 1000, "d"}, {60 * 60 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}};
  for (const Unit& u : kUnits) {
    if (millis > 0 && millis % u.millis == 0) return std::to_string(millis / u.millis) + u.suffix;
  }
  return std::to_string(millis) + "ms";
}

void CollectFields(const CompiledExpr& e, std::vector<FieldId>& out) {
  if (e.kind == CompiledExpr::Kind::kCompare) {
    out.push_back(e.field);
    return;
  }
  for (const auto& child : e.children) CollectFields(child, out);
}

}  // namespace

std::variant<CompiledQuery, RuleError> CompileQuery(const AstQuery& query) {
  Compiler compiler;
  CompiledQuery out;
  out.is_sequence = query.is_sequence;
  out.maxspan_millis = query.maxspan_millis;
  for (const AstField& key : query.join_keys) {
    FieldId id;
    if (!compiler.ResolveField(key.name, key.position, id)) return *compiler.error;
    out.join_keys.push_back(id);
  }
  for (const AstEventQuery& stage : query.stages) {
    CompiledStage compiled;
    if (stage.category == "process") {
      compiled.category = StageCategory::kProcess;
    } else if (stage.category == "network") {
      compiled.category = StageCategory::kNetwork;
    } else {
      compiled.category = StageCategory::kAny;
    }
    if (!compiler.Compile(stage.condition, compiled.condition)) return *compiler.error;
    out.stages.push_back(std::move(compiled));
  }
  return out;
}

std::variant<CompiledQuery, RuleError> CompileQueryText(std::string_view text) {
  auto parsed = ParseQuery(text);
  if (auto* error = std::get_if<RuleError>(&parsed)) return *error;
  return CompileQuery(std::get<AstQuery>(parsed));
}

std::string ToCanonicalString(const CompiledExpr& expr) {
  std::string out;
  Print(expr, out);
  return out;
}

std::string ToCanonicalString(const CompiledQuery& query) {
  auto stage_text = [](const CompiledStage& stage) {
    return std::string(CategoryName(stage.category)) + " where " +
           ToCanonicalString(stage.condition);
  };
  if (!query.is_sequence) {
    return query.stages.empty() ? std::string() : stage_text(query.stages.front());
  }
  std::string out = "sequence";
  if (!query.join_keys.empty()) {
    out += " by ";
    for (size_t i = 0; i < query.join_keys.size(); ++i) {
      if (i > 0) out += ", ";
      out += FieldName(query.join_keys[i]);
    }
  }
  out += " with maxspan=" + DurationText(query.maxspan_millis);
  for (const CompiledStage& stage : query.stages) {
    out += "\n  [" + stage_text(stage) + "]";
  }
  return out;
}

std::vector<FieldId> ReferencedFields(const CompiledQuery& query) {
  std::vector<FieldId> fields(query.join_keys);
  for (const auto& stage : query.stages) CollectFields(stage.condition, fields);
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  return fields;
}

}  // namespace imds
