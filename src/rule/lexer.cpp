#include "rule/lexer.h"

#include <cstdio>
#include <limits>

namespace imds {

namespace {

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@';
}
bool IsIdentPart(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02X", u);
  return buf;
}

}  // namespace

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of query";
    case TokenKind::kIdentifier:
      return "\"" + token.text + "\"";
    case TokenKind::kString:
      return "string \"" + token.text + "\"";
    case TokenKind::kInteger:
      return "number " + token.text + token.suffix;
    case TokenKind::kLeftParen:
      return "\"(\"";
    case TokenKind::kRightParen:
      return "\")\"";
    case TokenKind::kLeftBracket:
      return "\"[\"";
    case TokenKind::kRightBracket:
      return "\"]\"";
    case TokenKind::kComma:
      return "\",\"";
    case TokenKind::kEqual:
      return "\"==\"";
    case TokenKind::kNotEqual:
      return "\"!=\"";
    case TokenKind::kColon:
      return "\":\"";
    case TokenKind::kAssign:
      return "\"=\"";
    case TokenKind::kError:
      return token.text;
  }
  return "?";
}

void Lexer::Advance() {
  const auto c = static_cast<unsigned char>(text_[offset_++]);
  if (c == '\n') {
    ++position_.line;
    position_.column = 1;
  } else if ((c & 0xC0) != 0x80) {
    // UTF-8 continuation bytes belong to the code point already counted.
    ++position_.column;
  }
}

Token Lexer::Error(QueryPosition at, std::string message) const {
  Token t;
  t.kind = TokenKind::kError;
  t.text = std::move(message);
  t.position = at;
  return t;
}

Token Lexer::SkipBlanksAndComments() {
  while (!AtEnd()) {
    const char c = Peek();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      Advance();
    } else if (c == '/' && Peek(1) == '/') {
      while (!AtEnd() && Peek() != '\n') Advance();
    } else if (c == '/' && Peek(1) == '*') {
      const QueryPosition start = position_;
      Advance();
      Advance();
      while (!(Peek() == '*' && Peek(1) == '/')) {
        if (AtEnd()) return Error(start, "comment \"/*\" is never closed");
        Advance();
      }
      Advance();
      Advance();
    } else {
      break;
    }
  }
  return Token{};
}

Token Lexer::Next() {
  Token skipped = SkipBlanksAndComments();
  if (skipped.kind == TokenKind::kError) {
    offset_ = text_.size();  // nothing after an unterminated comment is meaningful
    return skipped;
  }
  const QueryPosition start = position_;
  Token t;
  t.position = start;
  if (AtEnd()) return t;

  const char c = Peek();
  if (IsIdentStart(c)) return LexIdentifier(start);
  if (IsDigit(c) || (c == '-' && IsDigit(Peek(1)))) return LexNumber(start);

  auto single = [&](TokenKind kind, size_t length) {
    for (size_t i = 0; i < length; ++i) Advance();
    t.kind = kind;
    return t;
  };
  switch (c) {
    case '"':
      return LexString(start);
    case '(':
      return single(TokenKind::kLeftParen, 1);
    case ')':
      return single(TokenKind::kRightParen, 1);
    case '[':
      return single(TokenKind::kLeftBracket, 1);
    case ']':
      return single(TokenKind::kRightBracket, 1);
    case ',':
      return single(TokenKind::kComma, 1);
    case ':':
      return single(TokenKind::kColon, 1);
    case '=':
      if (Peek(1) == '=') return single(TokenKind::kEqual, 2);
      if (Peek(1) == '~') return Error(start, "operator \"=~\" is not supported (use \":\")");
      return single(TokenKind::kAssign, 1);
    case '!':
      if (Peek(1) == '=') return single(TokenKind::kNotEqual, 2);
      return Error(start, "operator \"!\" is not supported (use \"not\")");
    case '<':
    case '>': {
      std::string op(1, c);
      if (Peek(1) == '=') op += '=';
      return Error(start, "comparison operator \"" + op +
                              "\" is not supported (only ==, != and : are)");
    }
    case '|':
      return Error(start, "pipes (\"|\") are not supported");
    case '~':
      return Error(start, "case-insensitive marker \"~\" is not supported (use \":\")");
    case '\'':
      return Error(start, "single-quoted strings are not supported (use double quotes)");
    case '?':
      if (Peek(1) == '"' || Peek(1) == '\'') {
        return Error(start, "raw strings (?\"...\") are not supported");
      }
      return Error(start, "unexpected character '?' (wildcards belong inside a string)");
    case '`':
      return Error(start, "back-quoted field names are not supported");
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return Error(start, std::string("arithmetic operator '") + c + "' is not supported");
    default:
      return Error(start, "unexpected character " + Printable(c));
  }
}

Token Lexer::LexIdentifier(QueryPosition start) {
  Token t;
  t.kind = TokenKind::kIdentifier;
  t.position = start;
  const size_t begin = offset_;
  for (;;) {
    while (!AtEnd() && IsIdentPart(Peek())) Advance();
    // A dot continues the name only when another segment follows, so
    // "process." is reported at the dot rather than swallowed.
    if (Peek() == '.' && IsIdentStart(Peek(1))) {
      Advance();
      continue;
    }
    break;
  }
  t.text = std::string(text_.substr(begin, offset_ - begin));
  return t;
}

Token Lexer::LexNumber(QueryPosition start) {
  Token t;
  t.kind = TokenKind::kInteger;
  t.position = start;
  const size_t begin = offset_;
  const bool negative = Peek() == '-';
  if (negative) Advance();
  // Accumulate as a negative number so that INT64_MIN is representable.
  int64_t value = 0;
  bool overflow = false;
  while (!AtEnd() && IsDigit(Peek())) {
    const int digit = Peek() - '0';
    if (value < (std::numeric_limits<int64_t>::min() + digit) / 10) overflow = true;
    if (!overflow) value = value * 10 - digit;
    Advance();
  }
  if (Peek() == '.' && IsDigit(Peek(1))) {
    return Error(start, "floating-point numbers are not supported");
  }
  if (overflow || (!negative && value == std::numeric_limits<int64_t>::min())) {
    return Error(start, "integer " + std::string(text_.substr(begin, offset_ - begin)) +
                            " is out of range");
  }
  t.integer = negative ? value : -value;
  t.text = std::string(text_.substr(begin, offset_ - begin));
  const size_t suffix_begin = offset_;
  while (!AtEnd() && IsIdentPart(Peek())) Advance();
  t.suffix = std::string(text_.substr(suffix_begin, offset_ - suffix_begin));
  return t;
}

Token Lexer::LexString(QueryPosition start) {
  if (Peek(1) == '"' && Peek(2) == '"') {
    return Error(start, "triple-quoted strings (\"\"\"...\"\"\") are not supported");
  }
  Token t;
  t.kind = TokenKind::kString;
  t.position = start;
  Advance();  // opening quote
  for (;;) {
    if (AtEnd() || Peek() == '\n') return Error(start, "string is not closed on its line");
    const char c = Peek();
    if (c == '"') {
      Advance();
      return t;
    }
    if (c != '\\') {
      t.text.push_back(c);
      Advance();
      continue;
    }
    const QueryPosition escape_at = position_;
    const char e = Peek(1);
    switch (e) {
      case '"':
        t.text.push_back('"');
        break;
      case '\\':
        t.text.push_back('\\');
        break;
      case 'n':
        t.text.push_back('\n');
        break;
      case 't':
        t.text.push_back('\t');
        break;
      case 'r':
        t.text.push_back('\r');
        break;
      default: {
        const auto u = static_cast<unsigned char>(e);
        const std::string what = (u > 0x20 && u < 0x7F) ? std::string("\\") + e
                                                        : "\\ followed by " + Printable(e);
        return Error(escape_at, "escape \"" + what +
                                    "\" is not supported (only \\\" \\\\ \\n \\t \\r are)");
      }
    }
    Advance();
    Advance();
  }
}

}  // namespace imds
