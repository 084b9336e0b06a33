#include "output/escape.h"

#include <gtest/gtest.h>

#include <string>

#include "json_checker.h"
#include "kv_parser.h"
#include "test_alerts.h"

namespace imds {
namespace {

using namespace std::string_literals;

std::string Json(std::string_view raw, size_t cap = kNoCap) {
  std::string out;
  AppendEscaped(out, raw, EscapeStyle::kJson, cap);
  return out;
}

std::string Kv(std::string_view raw, size_t cap = kNoCap) {
  std::string out;
  AppendEscaped(out, raw, EscapeStyle::kKeyValue, cap);
  return out;
}

TEST(JsonEscapeTest, QuoteAndBackslashGetShortEscapes) {
  EXPECT_EQ(Json(R"(say "hi" \ bye)"), R"(say \"hi\" \\ bye)");
}

TEST(JsonEscapeTest, ControlCharactersUseShortFormsOrUnicodeEscapes) {
  EXPECT_EQ(Json("\b\f\n\r\t"), R"(\b\f\n\r\t)");
  EXPECT_EQ(Json("a\x1d" "b\x01\x1f"), R"(a\u001db\u0001\u001f)");
}

TEST(JsonEscapeTest, DelIsEscaped) { EXPECT_EQ(Json("a\x7f"), R"(a\u007f)"); }

TEST(JsonEscapeTest, NulByteInsideTheStringIsEscapedNotATerminator) {
  EXPECT_EQ(Json("a\0b"s), R"(a\u0000b)");
}

TEST(JsonEscapeTest, ValidMultiByteUtf8IsKeptAsIs) {
  const std::string text = "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
  EXPECT_EQ(Json(text), text);
}

TEST(JsonEscapeTest, C1ControlsAndLineSeparatorsAreEscaped) {
  EXPECT_EQ(Json("\xC2\x9B" "31m"), R"(\u009b31m)");
  EXPECT_EQ(Json("a\xE2\x80\xA8" "b\xE2\x80\xA9"), R"(a\u2028b\u2029)");
  EXPECT_EQ(Json("\xC2\xA0"), "\xC2\xA0");  // U+00A0 is printable: kept
}

TEST(JsonEscapeTest, InvalidUtf8BytesBecomeBackslashXTextOneByteAtATime) {
  EXPECT_EQ(Json("a\xff" "b"), R"(a\\xffb)");
  EXPECT_EQ(Json("\x80"), R"(\\x80)");                       // lone continuation
  EXPECT_EQ(Json("\xC0\x80"), R"(\\xc0\\x80)");              // overlong NUL
  EXPECT_EQ(Json("\xE0\x80\xAF"), R"(\\xe0\\x80\\xaf)");     // overlong '/'
  EXPECT_EQ(Json("\xED\xA0\x80"), R"(\\xed\\xa0\\x80)");     // surrogate D800
  EXPECT_EQ(Json("\xF4\x90\x80\x80"), R"(\\xf4\\x90\\x80\\x80)");  // above U+10FFFF
  EXPECT_EQ(Json("\xF5"), R"(\\xf5)");
  EXPECT_EQ(Json("\xE2\x82" "x"), R"(\\xe2\\x82x)");         // truncated sequence
  EXPECT_EQ(Json("end\xE2\x82"), R"(end\\xe2\\x82)");        // truncated at the end
}

TEST(JsonEscapeTest, EveryByteValueGivesValidJsonThatDecodesToTheReferenceForm) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const auto parsed = testing::ParseJsonStrict(JsonQuote(all));
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_EQ(parsed.value->text, testing::JsonDecodedForm(all));
}

TEST(KeyValueEscapeTest, QuoteAndBackslashAreBackslashEscaped) {
  EXPECT_EQ(Kv(R"(a "b" \c)"), R"(a \"b\" \\c)");
}

TEST(KeyValueEscapeTest, ControlsDelAndInvalidUtf8BecomeHexEscapes) {
  EXPECT_EQ(Kv("a\nb\rc\x1d" "d\x7f" "e\0f"s), R"(a\x0ab\x0dc\x1dd\x7fe\x00f)");
  EXPECT_EQ(Kv("\xff\xC0\x80"), R"(\xff\xc0\x80)");
  EXPECT_EQ(Kv("\xC2\x9B"), R"(\xc2\x9b)");
  EXPECT_EQ(Kv("\xE2\x80\xA8"), R"(\xe2\x80\xa8)");
}

TEST(KeyValueEscapeTest, ForgedPairsStayInsideTheValue) {
  std::string out;
  AppendQuoted(out, "x\" rule.name=\"fake\" a=b", EscapeStyle::kKeyValue);
  const std::string line = "k=" + out;
  const auto parsed = testing::ParseKeyValueLine(line);
  ASSERT_TRUE(parsed.pairs) << parsed.error;
  ASSERT_EQ(parsed.pairs->size(), 1u);
  EXPECT_EQ((*parsed.pairs)[0].value, "x\" rule.name=\"fake\" a=b");
}

TEST(KeyValueEscapeTest, EveryByteValueRoundTripsExactly) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  all += "\xE6\x97\xA5\xF0\x9F\x98\x80";
  std::string line = "k=";
  AppendQuoted(line, all, EscapeStyle::kKeyValue);
  const auto parsed = testing::ParseKeyValueLine(line);
  ASSERT_TRUE(parsed.pairs) << parsed.error;
  EXPECT_EQ((*parsed.pairs)[0].value, all);
}

TEST(EscapeCapTest, CapCountsEscapedBytesAndReportsConsumedInput) {
  std::string out;
  EXPECT_EQ(AppendEscaped(out, "abcdefgh", EscapeStyle::kJson, 5), 5u);
  EXPECT_EQ(out, "abcde");
}

TEST(EscapeCapTest, CapNeverSplitsAnEscape) {
  std::string out;
  // "ab" then \n (2 bytes) does not fit in 3.
  EXPECT_EQ(AppendEscaped(out, "ab\ncd", EscapeStyle::kJson, 3), 2u);
  EXPECT_EQ(out, "ab");
  out.clear();
  EXPECT_EQ(AppendEscaped(out, "a\xff", EscapeStyle::kKeyValue, 4), 1u);
  EXPECT_EQ(out, "a");
}

TEST(EscapeCapTest, CapNeverSplitsAUtf8Character) {
  std::string out;
  EXPECT_EQ(AppendEscaped(out, "a\xE6\x97\xA5", EscapeStyle::kJson, 3), 1u);
  EXPECT_EQ(out, "a");
}

TEST(EscapeCapTest, ValueExactlyAtTheCapIsNotTruncated) {
  std::string out;
  AppendQuoted(out, "abcd", EscapeStyle::kKeyValue, 4);
  EXPECT_EQ(out, "\"abcd\"");
}

TEST(EscapeCapTest, TruncatedValueEndsWithMarkerCountingOmittedInputBytes) {
  std::string out;
  AppendQuoted(out, std::string(10, 'x') + "\n\n", EscapeStyle::kKeyValue, 8);
  EXPECT_EQ(out, "\"xxxxxxxx...[truncated 4 bytes]\"");
}

TEST(EscapeCapTest, OneMebibyteValueIsCutToTheCap) {
  const std::string big(1 << 20, 'A');
  std::string out;
  AppendQuoted(out, big, EscapeStyle::kKeyValue, 4096);
  EXPECT_EQ(out, "\"" + std::string(4096, 'A') + TruncationMarker((1 << 20) - 4096) + "\"");
}

TEST(Utf8Test, SequenceLengthFollowsRfc3629) {
  EXPECT_EQ(Utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9", 0), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xC1\xBF", 0), 0u);  // overlong
  EXPECT_EQ(Utf8SequenceLength("\xE0\xA0\x80", 0), 3u);
  EXPECT_EQ(Utf8SequenceLength("\xE0\x9F\xBF", 0), 0u);  // overlong
  EXPECT_EQ(Utf8SequenceLength("\xED\x9F\xBF", 0), 3u);  // U+D7FF
  EXPECT_EQ(Utf8SequenceLength("\xED\xA0\x80", 0), 0u);  // U+D800
  EXPECT_EQ(Utf8SequenceLength("\xF0\x90\x80\x80", 0), 4u);
  EXPECT_EQ(Utf8SequenceLength("\xF0\x8F\xBF\xBF", 0), 0u);  // overlong
  EXPECT_EQ(Utf8SequenceLength("\xF4\x8F\xBF\xBF", 0), 4u);  // U+10FFFF
  EXPECT_EQ(Utf8SequenceLength("\xF4\x90\x80\x80", 0), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xE6\x97", 0), 0u);  // truncated
}

TEST(TimestampTest, IsIso8601UtcWithZeroPaddedMilliseconds) {
  EXPECT_EQ(FormatTimestamp({1795926901, 123, 1}), "2026-11-29T04:35:01.123Z");
  EXPECT_EQ(FormatTimestamp({1795926901, 5, 1}), "2026-11-29T04:35:01.005Z");
  EXPECT_EQ(FormatTimestamp({0, 0, 1}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp({1709164800, 999, 1}), "2024-02-29T00:00:00.999Z");
}

}  // namespace
}  // namespace imds
