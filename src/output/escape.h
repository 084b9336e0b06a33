// Escaping of strings that came from the audited host. Command lines, paths,
// arguments and host names are attacker-controlled: whatever bytes they hold,
// the escaped text must stay one line, must not end the value it sits in,
// must not forge another field, and JSON output must stay valid JSON.
//
// Both escapers keep valid, printable UTF-8 as is and work in "units": one
// input character or one invalid byte becomes one escape or one copied
// sequence. A cap never splits a unit, so truncated output is as well-formed
// as untruncated output.
//
// Invalid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF, no truncated sequences) is escaped byte by byte as the text
// `\xHH` (two lower-case hex digits):
//  - in key=value output the backslash itself is escaped (`\\`), so the
//    result is lossless: a decoder gets the exact original bytes back;
//  - in JSON the text `\xHH` is put inside the string (written `\\xHH` in
//    the JSON source). This is always valid JSON and shows the analyst the
//    exact byte values, but after decoding it reads the same as a literal
//    backslash-x-H-H typed by the user. The alert carries the audit serials,
//    so `ausearch -a SERIAL` gives the raw record when that matters. (The
//    alternative, U+FFFD, would lose the byte values altogether.)
//
// Besides what the formats require, both escapers also escape the C1
// controls U+0080..U+009F (a terminal may act on U+009B as CSI) and U+2028 /
// U+2029 (line separators to some viewers and to JavaScript).
#ifndef AUDISP_IMDS_OUTPUT_ESCAPE_H
#define AUDISP_IMDS_OUTPUT_ESCAPE_H

#include <cstddef>
#include <string>
#include <string_view>

#include "event/ecs_event.h"

namespace imds {

// No cap on an escaped value.
inline constexpr size_t kNoCap = 0;

enum class EscapeStyle {
  // Inside a JSON string (RFC 8259): \" \\ \b \f \n \r \t, other controls
  // and DEL as \u00XX, invalid UTF-8 bytes as the text \xHH.
  kJson,
  // Inside a double-quoted key=value value: \" \\, and every other byte
  // below 0x20, DEL, and invalid UTF-8 as \xHH. Lossless.
  kKeyValue,
};

// Appends the escaped form of `raw` to `out`, without the surrounding quotes,
// writing at most `cap` bytes (kNoCap: no limit). Returns how many bytes of
// `raw` were consumed: less than raw.size() when the cap cut it.
size_t AppendEscaped(std::string& out, std::string_view raw, EscapeStyle style,
                     size_t cap = kNoCap);

// What a truncated value ends with: "...[truncated N bytes]", N counting the
// bytes of the original value that were left out.
std::string TruncationMarker(size_t omitted_bytes);

// `"` + escaped value + `"`; when `cap` cuts the value (cap counts the
// escaped bytes between the quotes, not the marker), the marker follows the
// kept part inside the quotes.
void AppendQuoted(std::string& out, std::string_view raw, EscapeStyle style,
                  size_t cap = kNoCap);
std::string JsonQuote(std::string_view raw);

// Length of the valid UTF-8 sequence starting at s[pos], or 0 when the byte
// there does not start one. Exposed for tests.
size_t Utf8SequenceLength(std::string_view s, size_t pos);

// "2026-11-29T04:35:01.123Z": ISO 8601 UTC with milliseconds, from the
// audit stamp (never the time the alert was processed).
std::string FormatTimestamp(const AuditStamp& stamp);

}  // namespace imds

#endif  // AUDISP_IMDS_OUTPUT_ESCAPE_H
