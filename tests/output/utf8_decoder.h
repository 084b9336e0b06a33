// One UTF-8 character, decoded strictly, for the test oracles of tests/output
// (json_checker, kv_parser, test_alerts). Written independently of
// src/output's validator, which these oracles check.
#ifndef AUDISP_IMDS_TESTS_OUTPUT_UTF8_DECODER_H
#define AUDISP_IMDS_TESTS_OUTPUT_UTF8_DECODER_H

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace imds::testing {

enum class Utf8Error { kNone, kLeadByte, kTruncated, kContinuation, kOverlong, kSurrogate, kAboveMax };

struct Utf8Char {
  size_t length = 0;  // bytes; 0 when error != kNone
  uint32_t code_point = 0;
  Utf8Error error = Utf8Error::kNone;
};

// The character starting at s[pos] (pos < s.size()): RFC 3629, so no
// overlong forms, no surrogates, nothing above U+10FFFF.
inline Utf8Char DecodeUtf8Char(std::string_view s, size_t pos) {
  const unsigned char c0 = static_cast<unsigned char>(s[pos]);
  Utf8Char fail;
  size_t len;
  uint32_t cp;
  if (c0 < 0x80) return {1, c0, Utf8Error::kNone};
  if ((c0 & 0xE0) == 0xC0) {
    len = 2;
    cp = c0 & 0x1F;
  } else if ((c0 & 0xF0) == 0xE0) {
    len = 3;
    cp = c0 & 0x0F;
  } else if ((c0 & 0xF8) == 0xF0) {
    len = 4;
    cp = c0 & 0x07;
  } else {
    fail.error = Utf8Error::kLeadByte;
    return fail;
  }
  if (s.size() - pos < len) {
    fail.error = Utf8Error::kTruncated;
    return fail;
  }
  for (size_t k = 1; k < len; ++k) {
    const unsigned char c = static_cast<unsigned char>(s[pos + k]);
    if ((c & 0xC0) != 0x80) {
      fail.error = Utf8Error::kContinuation;
      return fail;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len]) fail.error = Utf8Error::kOverlong;
  else if (cp >= 0xD800 && cp <= 0xDFFF) fail.error = Utf8Error::kSurrogate;
  else if (cp > 0x10FFFF) fail.error = Utf8Error::kAboveMax;
  else return {len, cp, Utf8Error::kNone};
  return fail;
}

}  // namespace imds::testing

#endif  // AUDISP_IMDS_TESTS_OUTPUT_UTF8_DECODER_H
