#include "kv_parser.h"

#include <cstdint>

#include "utf8_decoder.h"

namespace imds::testing {

namespace {

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '@';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of one raw character that may appear unescaped, 0 if none.
size_t SafeRawCharLength(std::string_view s, size_t pos) {
  const unsigned char c0 = static_cast<unsigned char>(s[pos]);
  if (c0 < 0x20 || c0 == 0x7f || c0 == '"' || c0 == '\\') return 0;
  const Utf8Char c = DecodeUtf8Char(s, pos);
  if (c.error != Utf8Error::kNone) return 0;
  if ((c.code_point >= 0x80 && c.code_point <= 0x9F) || c.code_point == 0x2028 || c.code_point == 0x2029) return 0;
  return c.length;
}

}  // namespace

KvParseResult ParseKeyValueLine(std::string_view s) {
  KvParseResult result;
  std::vector<KvPair> pairs;
  size_t pos = 0;
  const auto fail = [&](const std::string& why) {
    result.error = "offset " + std::to_string(pos) + ": " + why;
    return result;
  };
  while (true) {
    KvPair pair;
    const size_t key_start = pos;
    while (pos < s.size() && IsKeyChar(s[pos])) ++pos;
    if (pos == key_start) return fail("expected a key");
    pair.key = std::string(s.substr(key_start, pos - key_start));
    if (pos >= s.size() || s[pos] != '=') return fail("expected '='");
    ++pos;
    if (pos < s.size() && s[pos] == '"') {
      pair.quoted = true;
      ++pos;
      while (true) {
        if (pos >= s.size()) return fail("unterminated value");
        const char c = s[pos];
        if (c == '"') {
          ++pos;
          break;
        }
        if (c == '\\') {
          if (pos + 1 >= s.size()) return fail("unterminated escape");
          const char e = s[pos + 1];
          if (e == '"' || e == '\\') {
            pair.value += e;
            pos += 2;
          } else if (e == 'x' && pos + 3 < s.size() && HexValue(s[pos + 2]) >= 0 && HexValue(s[pos + 3]) >= 0) {
            pair.value += static_cast<char>(HexValue(s[pos + 2]) * 16 + HexValue(s[pos + 3]));
            pos += 4;
          } else {
            return fail("bad escape");
          }
          continue;
        }
        const size_t len = SafeRawCharLength(s, pos);
        if (len == 0) return fail("unescaped unsafe byte");
        pair.value.append(s.substr(pos, len));
        pos += len;
      }
    } else {
      const size_t start = pos;
      if (pos < s.size() && s[pos] == '-') ++pos;
      const size_t digits = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == digits) return fail("expected a number or a quoted value");
      pair.value = std::string(s.substr(start, pos - start));
    }
    pairs.push_back(std::move(pair));
    if (pos == s.size()) break;
    if (s[pos] != ' ') return fail("expected ' ' between pairs");
    ++pos;
  }
  result.pairs = std::move(pairs);
  return result;
}

}  // namespace imds::testing
