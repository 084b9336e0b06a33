#include "rule/parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "rule/compiler.h"

namespace imds {
namespace {

// Canonical form of a query that must compile.
std::string Canonical(std::string_view query) {
  auto result = CompileQueryText(query);
  if (auto* error = std::get_if<RuleError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->ToString();
    return "";
  }
  return ToCanonicalString(std::get<CompiledQuery>(result));
}

RuleError ErrorOf(std::string_view query) {
  auto result = CompileQueryText(query);
  if (auto* error = std::get_if<RuleError>(&result)) return *error;
  ADD_FAILURE() << "query was accepted: " << query;
  return {};
}

// 1-based line and column of the first occurrence of `needle` (ASCII text);
// an empty needle stands for the end of the text.
std::pair<int, int> PositionOf(std::string_view text, std::string_view needle) {
  const size_t offset = needle.empty() ? text.size() : text.find(needle);
  EXPECT_NE(offset, std::string_view::npos) << needle;
  const std::string_view before = text.substr(0, offset);
  const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  const size_t line_start = before.rfind('\n');
  const int column =
      static_cast<int>(line_start == std::string_view::npos ? offset + 1 : offset - line_start);
  return {line, column};
}

struct UnsupportedCase {
  const char* query;
  const char* at;       // the error must point at the first occurrence of this ("": the end)
  const char* message;  // ...and its message must contain this
};

void PrintTo(const UnsupportedCase& c, std::ostream* os) { *os << c.query; }

class UnsupportedConstructTest : public ::testing::TestWithParam<UnsupportedCase> {};

TEST_P(UnsupportedConstructTest, IsRefusedAtItsPositionWithAMessage) {
  const UnsupportedCase& c = GetParam();
  const RuleError error = ErrorOf(c.query);
  const auto [line, column] = PositionOf(c.query, c.at);
  EXPECT_EQ(error.line, line) << error.ToString();
  EXPECT_EQ(error.column, column) << error.ToString();
  EXPECT_NE(error.message.find(c.message), std::string::npos) << error.ToString();
  EXPECT_TRUE(error.file.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Parser, UnsupportedConstructTest,
    ::testing::Values(
        UnsupportedCase{"process where process.name in (\"curl\")", "in (", "\"in\" is not supported"},
        UnsupportedCase{"process where process.name like \"c*\"", "like", "\"like\" is not supported"},
        UnsupportedCase{"process where process.name regex \"c.*\"", "regex", "\"regex\" is not supported"},
        UnsupportedCase{"process where startsWith(process.name, \"c\")", "startsWith",
                        "function calls"},
        UnsupportedCase{"process where process.name : \"c\" and\n  startsWith~(process.name, \"c\")",
                        "~", "\"~\" is not supported"},
        UnsupportedCase{"process where process.name ~ \"c\"", "~", "\"~\""},
        UnsupportedCase{"process where process.pid > 1", ">", "\">\" is not supported"},
        UnsupportedCase{"process where process.pid <= 1", "<=", "\"<=\" is not supported"},
        UnsupportedCase{"process where process.name : \"c\" | head 5", "|", "pipes"},
        UnsupportedCase{"process where process.name : 'curl'", "'", "single-quoted"},
        UnsupportedCase{"process where process.name : \"\"\"curl\"\"\"", "\"\"\"", "triple-quoted"},
        UnsupportedCase{"process where process.name : ?\"curl\"", "?\"", "raw strings"},
        UnsupportedCase{"process where process.name == (\"a\", \"b\")", "(\"a\"",
                        "\"==\" against a list is not EQL"},
        UnsupportedCase{"process where process.name != (\"a\")", "(\"a\"",
                        "\"!=\" against a list is not EQL"},
        UnsupportedCase{"process where process.name : null", "null", "null can only be compared"},
        UnsupportedCase{"process where process.name : (\"a\", null)", "null",
                        "null can only be compared"},
        UnsupportedCase{"process where process.hash.sha256 == \"x\"", "process.hash.sha256",
                        "field \"process.hash.sha256\" is not supplied by audisp-imds"},
        UnsupportedCase{"file where process.name : \"c\"", "file", "event category \"file\""},
        UnsupportedCase{"Process where process.name : \"c\"", "Process", "event category"},
        UnsupportedCase{"process where process.pid == 1.5", "1.5", "floating-point"},
        UnsupportedCase{"process where process.pid == 99999999999999999999", "9999",
                        "out of range"},
        UnsupportedCase{"process where process.name == process.executable", "process.executable",
                        "another field"},
        UnsupportedCase{"process where true", "true", "boolean literals"},
        UnsupportedCase{"process where process.name : \"c\\x41\"", "\\x", "escape \"\\x\""},
        UnsupportedCase{"process where process.name : \"curl", "\"curl", "not closed"},
        UnsupportedCase{"process where /* never closed\n process.name : \"c\"", "/*",
                        "never closed"},
        UnsupportedCase{"process where process.name = \"c\"", "= ", "\"=\" is not supported"},
        UnsupportedCase{"process where process.name =~ \"c\"", "=~", "\"=~\""},
        UnsupportedCase{"process where process.name", "",
                        "expected ==, != or : after field"},
        UnsupportedCase{"process where \"curl\" == process.name", "\"curl\"",
                        "field name on the left"},
        UnsupportedCase{"process where process.name : ()", ")", "expected a value"},
        UnsupportedCase{"process where process.name : \"a\" [", "[", "expected end of query"},
        UnsupportedCase{"process where not", "", "expected a condition"},
        UnsupportedCase{"sample by host.id [process where true]", "sample", "not supported"},
        UnsupportedCase{"sequence by host.id\n [process where process.pid == 1]\n"
                        " [network where process.pid == 1]",
                        "[", "needs \"with maxspan=\""},
        UnsupportedCase{"sequence with maxspan=1000 [process where process.pid == 1]"
                        " [network where process.pid == 1]",
                        "1000", "time unit"},
        UnsupportedCase{"sequence with maxspan=1w [process where process.pid == 1]"
                        " [network where process.pid == 1]",
                        "1w", "unknown time unit \"w\""},
        UnsupportedCase{"sequence with maxspan=1s [process where process.pid == 1]", "",
                        "at least two stages"},
        UnsupportedCase{"sequence with maxspan=1s [process where process.pid == 1] by process.pid"
                        " [network where process.pid == 1]",
                        "by process.pid", "per-stage \"by\""},
        UnsupportedCase{"sequence with maxspan=1s [process where process.pid == 1] with runs=2"
                        " [network where process.pid == 1]",
                        "with runs", "runs="},
        UnsupportedCase{"sequence with maxspan=1s [process where process.pid == 1]"
                        " [network where process.pid == 1] until [process where process.pid == 2]",
                        "until", "\"until\" is not supported"},
        UnsupportedCase{"sequence with maxspan=1s, runs=2 [process where process.pid == 1]"
                        " [network where process.pid == 1]",
                        ",", "at least two stages"},
        UnsupportedCase{"sequence with size=3 [process where process.pid == 1]"
                        " [network where process.pid == 1]",
                        "size", "sequence parameter \"size\""},
        UnsupportedCase{"sequence by process.hash.md5 with maxspan=1s"
                        " [process where process.pid == 1] [network where process.pid == 1]",
                        "process.hash.md5", "is not supplied by audisp-imds"},
        UnsupportedCase{"process where `process.name` : \"c\"", "`", "back-quoted"}));

TEST(ParserTest, ErrorAtEndOfQueryPointsPastTheLastCharacter) {
  const RuleError error = ErrorOf("process where\n  not");
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 6);
  EXPECT_EQ(error.message, "expected a condition, found end of query");
}

TEST(ParserTest, ErrorOnALaterLineHasThatLineAndItsOwnColumn) {
  const RuleError error = ErrorOf(
      "sequence by host.id with maxspan=1s\n"
      "  [process where process.name : \"curl\"]\n"
      "  [network where destination.ip in (\"169.254.169.254\")]");
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 33);
}

TEST(ParserTest, ColumnsCountCodePointsNotBytes) {
  // "é" is two bytes but one column, as toml++ counts.
  const RuleError error = ErrorOf("process where process.name : \"\xC3\xA9\" > 1");
  EXPECT_EQ(error.column, 34);
}

TEST(ParserTest, NestingBeyondTheCapIsAnErrorNotACrash) {
  std::string deep = "process where ";
  for (int i = 0; i < kMaxQueryNesting; ++i) deep += "(";
  deep += "process.pid == 1";
  for (int i = 0; i < kMaxQueryNesting; ++i) deep += ")";
  EXPECT_TRUE(std::holds_alternative<CompiledQuery>(CompileQueryText(deep)));

  std::string too_deep = "process where ";
  for (int i = 0; i <= kMaxQueryNesting; ++i) too_deep += "(";
  too_deep += "process.pid == 1";
  for (int i = 0; i <= kMaxQueryNesting; ++i) too_deep += ")";
  EXPECT_NE(ErrorOf(too_deep).message.find("nested more than 64 levels"), std::string::npos);

  std::string nots = "process where ";
  for (int i = 0; i < 100000; ++i) nots += "not ";
  nots += "process.pid == 1";
  EXPECT_NE(ErrorOf(nots).message.find("nested"), std::string::npos);
}

TEST(ParserTest, LongFlatChainsAreNotNesting) {
  std::string chain = "process where process.pid == 0";
  for (int i = 1; i < 5000; ++i) chain += " or process.pid == " + std::to_string(i);
  auto result = CompileQueryText(chain);
  ASSERT_TRUE(std::holds_alternative<CompiledQuery>(result));
  EXPECT_EQ(std::get<CompiledQuery>(result).stages[0].condition.children.size(), 5000u);
}

TEST(ParserTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Canonical("SEQUENCE BY host.id WITH MAXSPAN=2s\n"
                      "[process WHERE process.name : \"a\" AND NOT process.pid == 1 Or "
                      "process.pid == NULL]\n"
                      "[network Where destination.port == 443]"),
            "sequence by host.id with maxspan=2s\n"
            "  [process where (process.name : \"a\" and not process.pid == \"1\") or "
            "process.pid == null]\n"
            "  [network where destination.port == \"443\"]");
}

TEST(ParserTest, NotBindsTighterThanAndWhichBindsTighterThanOr) {
  EXPECT_EQ(Canonical("any where not process.pid == 1 and process.pid == 2 or process.pid == 3"),
            "any where (not process.pid == \"1\" and process.pid == \"2\") or "
            "process.pid == \"3\"");
  EXPECT_EQ(Canonical("any where not (process.pid == 1 or process.pid == 2)"),
            "any where not (process.pid == \"1\" or process.pid == \"2\")");
}

TEST(ParserTest, NestedAndOrChainsAreFlattened) {
  EXPECT_EQ(Canonical("any where process.pid == 1 and (process.pid == 2 and "
                      "(process.pid == 3)) and ((process.pid == 4 or process.pid == 5))"),
            "any where process.pid == \"1\" and process.pid == \"2\" and process.pid == \"3\" "
            "and (process.pid == \"4\" or process.pid == \"5\")");
}

TEST(ParserTest, CommentsAreIgnored) {
  EXPECT_EQ(Canonical("// leading\nprocess /* inline */ where // trailing\n"
                      "  process.name : (\"a\", /* between */ \"b\") // end"),
            "process where process.name : (\"a\", \"b\")");
}

TEST(ParserTest, StringEscapesAreDecodedAndPrintedBack) {
  auto result = CompileQueryText(R"(process where process.command_line == "a\"b\\c\n\t\r")");
  ASSERT_TRUE(std::holds_alternative<CompiledQuery>(result));
  const auto& query = std::get<CompiledQuery>(result);
  EXPECT_EQ(query.stages[0].condition.value, "a\"b\\c\n\t\r");
  EXPECT_EQ(ToCanonicalString(query), R"(process where process.command_line == "a\"b\\c\n\t\r")");
}

TEST(ParserTest, MaxspanUnitsAndByAfterWithAreAccepted) {
  const char* stages = " [process where process.pid == 1] [network where process.pid == 1]";
  auto maxspan = [&](const std::string& head) {
    auto result = CompileQueryText(head + stages);
    EXPECT_TRUE(std::holds_alternative<CompiledQuery>(result)) << head;
    return std::holds_alternative<CompiledQuery>(result)
               ? std::get<CompiledQuery>(result).maxspan_millis
               : -1;
  };
  EXPECT_EQ(maxspan("sequence with maxspan=250ms"), 250);
  EXPECT_EQ(maxspan("sequence with maxspan=3s"), 3000);
  EXPECT_EQ(maxspan("sequence with maxspan = 2m"), 120000);
  EXPECT_EQ(maxspan("sequence with maxspan=1h"), 3600000);
  EXPECT_EQ(maxspan("sequence with maxspan=1d"), 86400000);
  EXPECT_EQ(maxspan("sequence with maxspan=1s by host.id"), 1000);
  EXPECT_EQ(Canonical(std::string("sequence with maxspan=1500ms by host.id") + stages),
            "sequence by host.id with maxspan=1500ms\n"
            "  [process where process.pid == \"1\"]\n"
            "  [network where process.pid == \"1\"]");
}

TEST(ParserTest, SingleEventQueryIsOneStageNotASequence) {
  auto result = CompileQueryText("network where destination.ip == \"169.254.169.254\"");
  ASSERT_TRUE(std::holds_alternative<CompiledQuery>(result));
  const auto& query = std::get<CompiledQuery>(result);
  EXPECT_FALSE(query.is_sequence);
  ASSERT_EQ(query.stages.size(), 1u);
  EXPECT_EQ(query.stages[0].category, StageCategory::kNetwork);
}

TEST(ParserTest, IntegerLiteralsBecomeTheirDecimalText) {
  EXPECT_EQ(Canonical("network where destination.port : (80, 0443) and process.pid != -1"),
            "network where destination.port : (\"80\", \"443\") and process.pid != \"-1\"");
}

TEST(ParserTest, ReferencedFieldsListsEachFieldOnce) {
  auto result = CompileQueryText(
      "sequence by host.id with maxspan=1s [process where process.name : \"a\" and "
      "process.name : \"b\"] [network where destination.ip == \"x\"]");
  ASSERT_TRUE(std::holds_alternative<CompiledQuery>(result));
  EXPECT_EQ(ReferencedFields(std::get<CompiledQuery>(result)),
            (std::vector<FieldId>{FieldId::kHostId, FieldId::kProcessName,
                                  FieldId::kDestinationIp}));
}

}  // namespace
}  // namespace imds
