// Tokens of the EQL subset audisp-imds accepts. The lexer is pulled one token
// at a time by the parser, so the first problem in reading order is the one
// reported. Constructs outside the subset that can be recognised from their
// characters alone (pipes, "~", "<", single-quoted and raw strings...) come
// out as kError tokens naming what is unsupported.
#ifndef AUDISP_IMDS_RULE_LEXER_H
#define AUDISP_IMDS_RULE_LEXER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace imds {

// Position inside a query text: 1-based line and column, columns counted in
// code points (as toml++ counts them, so a query position maps onto a rule
// file position by plain addition).
struct QueryPosition {
  int line = 1;
  int column = 1;
};

enum class TokenKind {
  kEnd,
  kIdentifier,  // keyword or dotted field name: "and", "process.parent.entity_id"
  kString,      // double-quoted; text holds the decoded value
  kInteger,     // text holds the digits, suffix the unit letters of "1s"
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kComma,
  kEqual,     // ==
  kNotEqual,  // !=
  kColon,     // :
  kAssign,    // = (only in "maxspan=")
  kError,     // text holds the message
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  std::string suffix;   // kInteger only: letters written right after the digits
  int64_t integer = 0;  // kInteger only
  QueryPosition position;
};

// Human-readable name of a token for "expected X, found Y" messages.
std::string DescribeToken(const Token& token);

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Token Next();

 private:
  bool AtEnd() const { return offset_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return offset_ + ahead < text_.size() ? text_[offset_ + ahead] : '\0';
  }
  void Advance();
  // Skips blanks and comments; returns an error token for an unterminated
  // block comment, else a kEnd token meaning "nothing to report".
  Token SkipBlanksAndComments();
  Token LexIdentifier(QueryPosition start);
  Token LexNumber(QueryPosition start);
  Token LexString(QueryPosition start);
  Token Error(QueryPosition at, std::string message) const;

  std::string_view text_;
  size_t offset_ = 0;
  QueryPosition position_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_RULE_LEXER_H
