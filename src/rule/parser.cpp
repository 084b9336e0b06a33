#include "rule/parser.h"

#include <array>
#include <limits>
#include <optional>
#include <utility>

namespace imds {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// EQL words that cannot be field names. Keywords are case-insensitive.
constexpr std::array<std::string_view, 23> kKeywords = {
    "and",  "or",   "not",   "where", "sequence", "by",    "with",       "maxspan",
    "null", "true", "false", "until", "in",       "like",  "regex",      "sample",
    "join", "of",   "runs",  "any",   "child",    "descendant", "between"};

bool IsKeyword(std::string_view word) {
  for (auto k : kKeywords) {
    if (EqualsIgnoreCase(word, k)) return true;
  }
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) { Advance(); }

  std::variant<AstQuery, RuleError> Run() {
    AstQuery query;
    if (ParseQuery(query) && ExpectEnd()) return query;
    return *error_;
  }

 private:
  void Advance() { token_ = lexer_.Next(); }

  bool IsWord(std::string_view word) const {
    return token_.kind == TokenKind::kIdentifier && EqualsIgnoreCase(token_.text, word);
  }

  bool Fail(QueryPosition at, std::string message) {
    if (!error_) error_ = RuleError{"", at.line, at.column, std::move(message)};
    return false;
  }

  // Reports the current token as unexpected; a lexer error token speaks for
  // itself.
  bool Unexpected(const std::string& expected) {
    if (token_.kind == TokenKind::kError) return Fail(token_.position, token_.text);
    return Fail(token_.position, "expected " + expected + ", found " + DescribeToken(token_));
  }

  bool Expect(TokenKind kind, const std::string& what) {
    if (token_.kind != kind) return Unexpected(what);
    Advance();
    return true;
  }

  bool ExpectEnd() {
    if (token_.kind == TokenKind::kEnd) return true;
    if (IsWord("until")) return Fail(token_.position, "\"until\" is not supported");
    return Unexpected("end of query");
  }

  bool ParseQuery(AstQuery& query) {
    if (IsWord("sequence")) return ParseSequence(query);
    if (IsWord("sample") || IsWord("join")) {
      return Fail(token_.position, "\"" + token_.text +
                                       "\" queries are not supported (only sequence and "
                                       "single-event queries are)");
    }
    query.is_sequence = false;
    query.stages.emplace_back();
    return ParseEventQuery(query.stages.back());
  }

  bool ParseSequence(AstQuery& query) {
    query.is_sequence = true;
    Advance();  // "sequence"
    bool have_by = false;
    bool have_maxspan = false;
    for (;;) {
      if (IsWord("by") && !have_by) {
        Advance();
        have_by = true;
        if (!ParseFieldList(query.join_keys)) return false;
      } else if (IsWord("with") && !have_maxspan) {
        Advance();
        if (!IsWord("maxspan")) {
          if (token_.kind == TokenKind::kIdentifier) {
            return Fail(token_.position,
                        "sequence parameter \"" + token_.text + "\" is not supported");
          }
          return Unexpected("\"maxspan\"");
        }
        Advance();
        if (!Expect(TokenKind::kAssign, "\"=\" after maxspan")) return false;
        if (!ParseDuration(query)) return false;
        have_maxspan = true;
      } else {
        break;
      }
    }
    if (!have_maxspan) {
      return Fail(token_.position,
                  "a sequence needs \"with maxspan=\" (without it, pending sequences "
                  "would never expire)");
    }
    while (token_.kind == TokenKind::kLeftBracket) {
      Advance();
      query.stages.emplace_back();
      if (!ParseEventQuery(query.stages.back())) return false;
      if (!Expect(TokenKind::kRightBracket, "\"]\" closing the sequence stage")) return false;
      if (IsWord("by")) {
        return Fail(token_.position,
                    "per-stage \"by\" is not supported (use \"sequence by\")");
      }
      if (IsWord("with")) {
        return Fail(token_.position, "per-stage \"with\" (runs=) is not supported");
      }
    }
    if (query.stages.size() < 2) {
      if (token_.kind == TokenKind::kError) return Fail(token_.position, token_.text);
      return Fail(token_.position,
                  "a sequence needs at least two stages \"[ ... ]\", found " +
                      DescribeToken(token_));
    }
    return true;
  }

  bool ParseFieldList(std::vector<AstField>& fields) {
    for (;;) {
      AstField field;
      if (!ParseFieldName(field.name, field.position)) return false;
      fields.push_back(std::move(field));
      if (token_.kind != TokenKind::kComma) return true;
      Advance();
    }
  }

  bool ParseFieldName(std::string& name, QueryPosition& position) {
    if (token_.kind != TokenKind::kIdentifier) return Unexpected("a field name");
    if (IsKeyword(token_.text)) {
      return Fail(token_.position,
                  "expected a field name, found keyword \"" + token_.text + "\"");
    }
    name = token_.text;
    position = token_.position;
    Advance();
    return true;
  }

  bool ParseDuration(AstQuery& query) {
    if (token_.kind != TokenKind::kInteger) return Unexpected("a duration such as 1s");
    const Token number = token_;
    if (number.integer < 0) return Fail(number.position, "maxspan cannot be negative");
    int64_t unit = 0;
    if (number.suffix == "ms") {
      unit = 1;
    } else if (number.suffix == "s") {
      unit = 1000;
    } else if (number.suffix == "m") {
      unit = 60 * 1000;
    } else if (number.suffix == "h") {
      unit = 60 * 60 * 1000;
    } else if (number.suffix == "d") {
      unit = 24 * 60 * 60 * 1000;
    } else if (number.suffix.empty()) {
      return Fail(number.position,
                  "maxspan needs a time unit (ms, s, m, h or d), e.g. maxspan=1s");
    } else {
      return Fail(number.position, "unknown time unit \"" + number.suffix +
                                       "\" in maxspan (use ms, s, m, h or d)");
    }
    if (number.integer > std::numeric_limits<int64_t>::max() / unit / 4) {
      // Far beyond any useful window, and keeps "time - maxspan" from overflowing.
      return Fail(number.position, "maxspan " + number.text + number.suffix + " is too large");
    }
    query.maxspan_millis = number.integer * unit;
    query.maxspan_text = number.text + number.suffix;
    Advance();
    return true;
  }

  bool ParseEventQuery(AstEventQuery& stage) {
    if (token_.kind != TokenKind::kIdentifier) return Unexpected("an event category");
    if (token_.text != "process" && token_.text != "network" && token_.text != "any") {
      return Fail(token_.position, "event category \"" + token_.text +
                                       "\" is not supported (process, network or any)");
    }
    stage.category = token_.text;
    stage.position = token_.position;
    Advance();
    if (!IsWord("where")) return Unexpected("\"where\"");
    Advance();
    return ParseOr(stage.condition, 0);
  }

  // `depth` counts the parentheses and "not"s around the current point.
  bool CheckDepth(int depth) {
    if (depth <= kMaxQueryNesting) return true;
    return Fail(token_.position, "condition is nested more than " +
                                     std::to_string(kMaxQueryNesting) + " levels deep");
  }

  // Parses "x (word x)*" into one flat node, so long chains cost no stack.
  template <typename Sub>
  bool ParseChain(AstExpr& out, int depth, std::string_view word, AstExpr::Kind kind,
                  Sub parse_operand) {
    const QueryPosition start = token_.position;
    AstExpr first;
    if (!(this->*parse_operand)(first, depth)) return false;
    if (!IsWord(word)) {
      out = std::move(first);
      return true;
    }
    out = AstExpr{};
    out.kind = kind;
    out.position = start;
    out.children.push_back(std::move(first));
    while (IsWord(word)) {
      Advance();
      out.children.emplace_back();
      if (!(this->*parse_operand)(out.children.back(), depth)) return false;
    }
    return true;
  }

  bool ParseOr(AstExpr& out, int depth) {
    if (!CheckDepth(depth)) return false;
    return ParseChain(out, depth, "or", AstExpr::Kind::kOr, &Parser::ParseAnd);
  }

  bool ParseAnd(AstExpr& out, int depth) {
    return ParseChain(out, depth, "and", AstExpr::Kind::kAnd, &Parser::ParseNot);
  }

  bool ParseNot(AstExpr& out, int depth) {
    if (IsWord("not")) {
      out.kind = AstExpr::Kind::kNot;
      out.position = token_.position;
      Advance();
      if (!CheckDepth(depth + 1)) return false;
      out.children.emplace_back();
      return ParseNot(out.children.back(), depth + 1);
    }
    if (token_.kind == TokenKind::kLeftParen) {
      Advance();
      if (!ParseOr(out, depth + 1)) return false;
      return Expect(TokenKind::kRightParen, "\")\" or a boolean operator");
    }
    return ParseComparison(out);
  }

  bool ParseComparison(AstExpr& out) {
    if (token_.kind == TokenKind::kString || token_.kind == TokenKind::kInteger) {
      return Fail(token_.position, "expected a field name on the left of the comparison, found " +
                                       DescribeToken(token_));
    }
    if (token_.kind == TokenKind::kIdentifier &&
        (IsWord("true") || IsWord("false"))) {
      return Fail(token_.position, "boolean literals are not supported");
    }
    if (token_.kind != TokenKind::kIdentifier) return Unexpected("a condition");
    out.kind = AstExpr::Kind::kCompare;
    out.position = token_.position;
    if (!ParseFieldName(out.field, out.field_position)) return false;

    if (token_.kind == TokenKind::kLeftParen) {
      return Fail(out.field_position, "function calls such as \"" + out.field +
                                          "(...)\" are not supported");
    }
    if (token_.kind == TokenKind::kEqual) {
      out.op = AstCompareOp::kEqual;
    } else if (token_.kind == TokenKind::kNotEqual) {
      out.op = AstCompareOp::kNotEqual;
    } else if (token_.kind == TokenKind::kColon) {
      out.op = AstCompareOp::kMatch;
    } else if (token_.kind == TokenKind::kAssign) {
      return Fail(token_.position, "operator \"=\" is not supported (use == or :)");
    } else if (IsWord("in")) {
      return Fail(token_.position,
                  "operator \"in\" is not supported (use \":\" with a list)");
    } else if (IsWord("like") || IsWord("regex")) {
      return Fail(token_.position, "operator \"" + token_.text +
                                       "\" is not supported (use \":\" with wildcards)");
    } else {
      return Unexpected("==, != or : after field \"" + out.field + "\"");
    }
    Advance();

    if (token_.kind == TokenKind::kLeftParen) {
      if (out.op != AstCompareOp::kMatch) {
        return Fail(token_.position,
                    std::string("\"") + (out.op == AstCompareOp::kEqual ? "==" : "!=") +
                        "\" against a list is not EQL (use \":\" to match any of a list)");
      }
      out.is_list = true;
      Advance();
      for (;;) {
        out.values.emplace_back();
        if (!ParseValue(out.op, out.values.back())) return false;
        if (token_.kind == TokenKind::kRightParen) break;
        if (!Expect(TokenKind::kComma, "\",\" or \")\" in the list")) return false;
      }
      Advance();
      return true;
    }
    out.values.emplace_back();
    return ParseValue(out.op, out.values.back());
  }

  bool ParseValue(AstCompareOp op, AstLiteral& value) {
    value.position = token_.position;
    switch (token_.kind) {
      case TokenKind::kString:
        value.kind = AstLiteral::Kind::kString;
        value.text = token_.text;
        Advance();
        return true;
      case TokenKind::kInteger:
        if (!token_.suffix.empty()) return Unexpected("a value");
        value.kind = AstLiteral::Kind::kInteger;
        value.text = std::to_string(token_.integer);
        Advance();
        return true;
      case TokenKind::kIdentifier:
        if (IsWord("null")) {
          if (op == AstCompareOp::kMatch) {
            return Fail(token_.position, "null can only be compared with == or !=");
          }
          value.kind = AstLiteral::Kind::kNull;
          Advance();
          return true;
        }
        if (IsWord("true") || IsWord("false")) {
          return Fail(token_.position, "boolean literals are not supported");
        }
        if (!IsKeyword(token_.text)) {
          return Fail(token_.position, "comparing with another field (\"" + token_.text +
                                           "\") is not supported: values must be literals");
        }
        return Unexpected("a value");
      default:
        return Unexpected("a value");
    }
  }

  Lexer lexer_;
  Token token_;
  std::optional<RuleError> error_;
};

}  // namespace

std::variant<AstQuery, RuleError> ParseQuery(std::string_view text) {
  return Parser(text).Run();
}

}  // namespace imds
