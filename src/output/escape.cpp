#include "output/escape.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>

namespace imds {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Printable ASCII that needs no escape in either style: the fast path for
// the common case of long plain command lines.
bool IsPlainAscii(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

uint32_t DecodeUtf8(std::string_view s, size_t pos, size_t len) {
  const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[pos + k])); };
  switch (len) {
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    case 4: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    default: return b(0);
  }
}

// Valid characters that are still unsafe to show raw: C1 controls and the
// Unicode line/paragraph separators.
bool IsUnsafeCodePoint(uint32_t cp) { return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029; }

// Writes the escape for one byte into buf; returns its length.
size_t EscapeByteHex(unsigned char c, bool json, char* buf) {
  size_t n = 0;
  buf[n++] = '\\';
  if (json) buf[n++] = '\\';  // the JSON string then holds the text \xHH
  buf[n++] = 'x';
  buf[n++] = kHex[c >> 4];
  buf[n++] = kHex[c & 0xF];
  return n;
}

size_t EscapeUnicode(uint32_t cp, char* buf) {
  buf[0] = '\\';
  buf[1] = 'u';
  for (int k = 0; k < 4; ++k) buf[2 + k] = kHex[(cp >> (12 - 4 * k)) & 0xF];
  return 6;
}

// Escape for one ASCII byte that is not plain.
size_t EscapeAscii(unsigned char c, EscapeStyle style, char* buf) {
  if (c == '"' || c == '\\') {
    buf[0] = '\\';
    buf[1] = static_cast<char>(c);
    return 2;
  }
  if (style == EscapeStyle::kKeyValue) return EscapeByteHex(c, false, buf);
  char short_form = 0;
  switch (c) {
    case '\b': short_form = 'b'; break;
    case '\f': short_form = 'f'; break;
    case '\n': short_form = 'n'; break;
    case '\r': short_form = 'r'; break;
    case '\t': short_form = 't'; break;
    default: break;
  }
  if (short_form != 0) {
    buf[0] = '\\';
    buf[1] = short_form;
    return 2;
  }
  return EscapeUnicode(c, buf);
}

}  // namespace

size_t Utf8SequenceLength(std::string_view s, size_t pos) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(s[pos + k]); };
  const unsigned char c0 = at(0);
  const size_t left = s.size() - pos;
  if (c0 < 0x80) return 1;
  if (c0 < 0xC2) return 0;  // continuation byte, or overlong 2-byte lead
  if (c0 < 0xE0) return left >= 2 && IsContinuation(at(1)) ? 2 : 0;
  if (c0 < 0xF0) {
    // E0: no overlongs (second byte >= A0); ED: no surrogates (<= 9F).
    const unsigned char lo = c0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c0 == 0xED ? 0x9F : 0xBF;
    return left >= 3 && at(1) >= lo && at(1) <= hi && IsContinuation(at(2)) ? 3 : 0;
  }
  if (c0 < 0xF5) {
    // F0: no overlongs (>= 90); F4: nothing above U+10FFFF (<= 8F).
    const unsigned char lo = c0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c0 == 0xF4 ? 0x8F : 0xBF;
    return left >= 4 && at(1) >= lo && at(1) <= hi && IsContinuation(at(2)) && IsContinuation(at(3)) ? 4
                                                                                                     : 0;
  }
  return 0;
}

size_t AppendEscaped(std::string& out, std::string_view raw, EscapeStyle style, size_t cap) {
  const bool json = style == EscapeStyle::kJson;
  size_t written = 0;
  size_t i = 0;
  const auto room = [&]() { return cap == kNoCap ? std::numeric_limits<size_t>::max() : cap - written; };
  char buf[32];
  while (i < raw.size()) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (IsPlainAscii(c)) {
      size_t run = i + 1;
      while (run < raw.size() && IsPlainAscii(static_cast<unsigned char>(raw[run]))) ++run;
      const size_t take = std::min(run - i, room());
      out.append(raw, i, take);
      written += take;
      i += take;
      if (i < run) break;  // the cap cut the run
      continue;
    }
    size_t unit_in = 1;
    size_t unit_out = 0;
    const char* unit = buf;
    if (c < 0x80) {
      unit_out = EscapeAscii(c, style, buf);
    } else if (const size_t len = Utf8SequenceLength(raw, i); len == 0) {
      unit_out = EscapeByteHex(c, json, buf);
    } else {
      unit_in = len;
      const uint32_t cp = DecodeUtf8(raw, i, len);
      if (!IsUnsafeCodePoint(cp)) {
        unit = raw.data() + i;
        unit_out = len;
      } else if (json) {
        unit_out = EscapeUnicode(cp, buf);
      } else {
        for (size_t k = 0; k < len; ++k)
          unit_out += EscapeByteHex(static_cast<unsigned char>(raw[i + k]), false, buf + unit_out);
      }
    }
    if (unit_out > room()) break;
    out.append(unit, unit_out);
    written += unit_out;
    i += unit_in;
  }
  return i;
}

std::string TruncationMarker(size_t omitted_bytes) {
  return "...[truncated " + std::to_string(omitted_bytes) + " bytes]";
}

void AppendQuoted(std::string& out, std::string_view raw, EscapeStyle style, size_t cap) {
  out.push_back('"');
  const size_t consumed = AppendEscaped(out, raw, style, cap);
  if (consumed < raw.size()) out += TruncationMarker(raw.size() - consumed);
  out.push_back('"');
}

std::string JsonQuote(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + 2);
  AppendQuoted(out, raw, EscapeStyle::kJson);
  return out;
}

std::string FormatTimestamp(const AuditStamp& stamp) {
  const auto seconds = static_cast<std::time_t>(stamp.seconds);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) {
    // Out of range for the calendar: still say exactly what audit said.
    return std::to_string(stamp.seconds) + "." + std::to_string(stamp.millis % 1000);
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<unsigned>(stamp.millis % 1000));
  return buf;
}

}  // namespace imds
