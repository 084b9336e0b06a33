#include "json_checker.h"

#include <cstdint>

#include "utf8_decoder.h"

namespace imds::testing {

const JsonValue* JsonValue::Member(std::string_view key) const {
  if (type != Type::kObject) return nullptr;
  for (const auto& [k, v] : object)
    if (k == key) return &v;
  return nullptr;
}

const JsonValue* JsonValue::Path(std::string_view dotted) const {
  const JsonValue* node = this;
  while (node != nullptr) {
    const size_t dot = dotted.find('.');
    node = node->Member(dotted.substr(0, dot));
    if (dot == std::string_view::npos) return node;
    dotted.remove_prefix(dot + 1);
  }
  return nullptr;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  JsonParseResult Run() {
    JsonParseResult result;
    JsonValue v;
    SkipSpace();
    if (!ParseValue(v, 0)) {
      result.error = "offset " + std::to_string(pos_) + ": " + error_;
      return result;
    }
    SkipSpace();
    if (pos_ != s_.size()) {
      result.error = "offset " + std::to_string(pos_) + ": text after the value";
      return result;
    }
    result.value = std::move(v);
    return result;
  }

 private:
  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  bool AtEnd() const { return pos_ >= s_.size(); }
  unsigned char Peek() const { return static_cast<unsigned char>(s_[pos_]); }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) ++pos_;
  }
  bool Expect(char c) {
    if (AtEnd() || s_[pos_] != c) return Fail(std::string("expected '") + c + "'");
    ++pos_;
    return true;
  }

  bool ParseValue(JsonValue& v, int depth) {
    if (depth > 64) return Fail("nesting too deep");
    if (AtEnd()) return Fail("unexpected end");
    switch (Peek()) {
      case '{': return ParseObject(v, depth);
      case '[': return ParseArray(v, depth);
      case '"':
        v.type = JsonValue::Type::kString;
        return ParseString(v.text);
      case 't': return Literal("true", v, JsonValue::Type::kBool, true);
      case 'f': return Literal("false", v, JsonValue::Type::kBool, false);
      case 'n': return Literal("null", v, JsonValue::Type::kNull, false);
      default: return ParseNumber(v);
    }
  }

  bool Literal(std::string_view word, JsonValue& v, JsonValue::Type type, bool b) {
    if (s_.substr(pos_, word.size()) != word) return Fail("bad literal");
    pos_ += word.size();
    v.type = type;
    v.boolean = b;
    return true;
  }

  bool ParseObject(JsonValue& v, int depth) {
    v.type = JsonValue::Type::kObject;
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (AtEnd() || Peek() != '"') return Fail("expected a key");
      std::string key;
      if (!ParseString(key)) return false;
      if (v.Member(key) != nullptr) return Fail("duplicate key " + key);
      SkipSpace();
      if (!Expect(':')) return false;
      SkipSpace();
      JsonValue member;
      if (!ParseValue(member, depth + 1)) return false;
      v.object.emplace_back(std::move(key), std::move(member));
      SkipSpace();
      if (AtEnd()) return Fail("unterminated object");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      return Expect('}');
    }
  }

  bool ParseArray(JsonValue& v, int depth) {
    v.type = JsonValue::Type::kArray;
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      JsonValue item;
      if (!ParseValue(item, depth + 1)) return false;
      v.array.push_back(std::move(item));
      SkipSpace();
      if (AtEnd()) return Fail("unterminated array");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      return Expect(']');
    }
  }

  bool Digits() {
    const size_t start = pos_;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool ParseNumber(JsonValue& v) {
    const size_t start = pos_;
    if (!AtEnd() && Peek() == '-') ++pos_;
    if (AtEnd()) return Fail("bad number");
    if (Peek() == '0') {
      ++pos_;
    } else if (!Digits()) {
      return Fail("bad number");
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!Digits()) return Fail("bad fraction");
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!Digits()) return Fail("bad exponent");
    }
    v.type = JsonValue::Type::kNumber;
    v.text = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool Hex4(uint32_t& out) {
    if (s_.size() - pos_ < 4) return Fail("short \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("bad hex digit");
      }
    }
    return true;
  }

  // One raw (unescaped) UTF-8 character: decoded and range-checked here,
  // independently of the formatter's validator.
  bool RawUtf8(std::string& out) {
    const Utf8Char c = DecodeUtf8Char(s_, pos_);
    switch (c.error) {
      case Utf8Error::kNone: break;
      case Utf8Error::kLeadByte: return Fail("invalid UTF-8 lead byte");
      case Utf8Error::kTruncated: return Fail("truncated UTF-8");
      case Utf8Error::kContinuation: return Fail("invalid UTF-8 continuation");
      case Utf8Error::kOverlong: return Fail("overlong UTF-8");
      case Utf8Error::kSurrogate: return Fail("UTF-8 surrogate");
      case Utf8Error::kAboveMax: return Fail("UTF-8 above U+10FFFF");
    }
    const size_t len = c.length;
    out.append(s_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  bool ParseString(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      if (AtEnd()) return Fail("unterminated string");
      const unsigned char c = Peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("raw control character in string");
      if (c != '\\') {
        if (!RawUtf8(out)) return false;
        continue;
      }
      ++pos_;
      if (AtEnd()) return Fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("lone low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (s_.substr(pos_, 2) != "\\u") return Fail("lone high surrogate");
            pos_ += 2;
            if (!Hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return Fail("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Fail(std::string("bad escape \\") + e);
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

JsonParseResult ParseJsonStrict(std::string_view text) { return Parser(text).Run(); }

}  // namespace imds::testing
