#include "rule/evaluator.h"

#include <gtest/gtest.h>

#include <string>

#include "test_events.h"

namespace imds {
namespace {

using testing_events::Connect;
using testing_events::Exec;

CompiledQuery Compile(const std::string& query) {
  auto result = CompileQueryText(query);
  if (auto* error = std::get_if<RuleError>(&result)) {
    ADD_FAILURE() << error->ToString();
    return {};
  }
  return std::get<CompiledQuery>(result);
}

// Whether `condition` holds for `event`, ignoring the stage category.
bool Holds(const std::string& condition, const EcsEvent& event) {
  const CompiledQuery query = Compile("any where " + condition);
  return !query.stages.empty() && Matches(query.stages[0].condition, event);
}

struct NullCase {
  const char* condition;
  bool when_null;      // process.working_directory absent
  bool when_present;   // process.working_directory == "/tmp"
};

void PrintTo(const NullCase& c, std::ostream* os) { *os << c.condition; }

class NullSemanticsTest : public ::testing::TestWithParam<NullCase> {};

TEST_P(NullSemanticsTest, MatchesTheEqlTableForNullAndPresentFields) {
  const NullCase& c = GetParam();
  EcsEvent null_field = Exec(0, 1);
  null_field.working_directory.reset();
  EcsEvent present = Exec(0, 1);
  present.working_directory = "/tmp";
  EXPECT_EQ(Holds(c.condition, null_field), c.when_null) << c.condition << " on null";
  EXPECT_EQ(Holds(c.condition, present), c.when_present) << c.condition << " on \"/tmp\"";
}

INSTANTIATE_TEST_SUITE_P(
    Evaluator, NullSemanticsTest,
    ::testing::Values(
        NullCase{"process.working_directory == null", true, false},
        NullCase{"process.working_directory != null", false, true},
        NullCase{"not process.working_directory == null", false, true},
        NullCase{"process.working_directory : \"/tmp\"", false, true},
        NullCase{"process.working_directory : \"*\"", false, true},
        NullCase{"not process.working_directory : \"/tmp\"", true, false},
        NullCase{"process.working_directory == \"/tmp\"", false, true},
        // f != "x" is exactly not (f == "x"): true for a null field.
        NullCase{"process.working_directory != \"/tmp\"", true, false},
        NullCase{"process.working_directory != \"/var\"", true, true},
        NullCase{"not process.working_directory : (\"/opt/*\", \"/var/*\")", true, true}));

TEST(EvaluatorTest, MultiValuedFieldMatchesWhenAnyValueMatchesAndNegationNegatesThat) {
  EcsEvent e = Exec(0, 1, "/dev/shm/payload");
  e.executable.push_back("./payload");  // a relative invocation: second value
  EXPECT_TRUE(Holds("process.executable : \"./*\"", e));
  EXPECT_TRUE(Holds("process.executable : \"/dev/shm/*\"", e));
  EXPECT_TRUE(Holds("process.executable == \"./payload\"", e));
  EXPECT_FALSE(Holds("process.executable != \"./payload\"", e));
  EXPECT_FALSE(Holds("not process.executable : \"./*\"", e));
  EXPECT_TRUE(Holds("process.name : \"payload\"", e));  // the canonical path's name only
  EXPECT_FALSE(Holds("process.name : \"./payload\"", e));
  EXPECT_FALSE(Holds("process.executable : \"/opt/*\"", e));
  EXPECT_TRUE(Holds("not process.executable : \"/opt/*\"", e));
}

TEST(EvaluatorTest, ColonIgnoresCaseButEqualityDoesNot) {
  const EcsEvent e = Exec(0, 1, "/usr/bin/curl");
  EXPECT_TRUE(Holds("process.name : \"CURL\"", e));
  EXPECT_TRUE(Holds("process.name : \"cU*\"", e));
  EXPECT_FALSE(Holds("process.name == \"CURL\"", e));
  EXPECT_TRUE(Holds("process.name == \"curl\"", e));
  EXPECT_TRUE(Holds("process.name != \"CURL\"", e));
}

TEST(EvaluatorTest, EqualityTreatsWildcardCharactersLiterally) {
  const EcsEvent e = Exec(0, 1, "/usr/bin/curl");
  EXPECT_FALSE(Holds("process.name == \"c*\"", e));
  EXPECT_TRUE(Holds("process.name : \"c*\"", e));
}

TEST(EvaluatorTest, IntegerLiteralsCompareWithTheFieldsDecimalText) {
  const EcsEvent c = Connect(0, 1);
  EXPECT_TRUE(Holds("destination.port == 80", c));
  EXPECT_TRUE(Holds("destination.port : 80", c));
  EXPECT_TRUE(Holds("destination.port : (443, 80)", c));
  EXPECT_FALSE(Holds("destination.port == 8", c));
  EXPECT_TRUE(Holds("destination.port != 443", c));
  EXPECT_TRUE(Holds("process.pid == 100 and process.parent.pid == 50", c));
}

TEST(EvaluatorTest, StageCategoryDecidesWhichEventsAStageSees) {
  const CompiledQuery process = Compile("process where process.pid == 100");
  const CompiledQuery network = Compile("network where process.pid == 100");
  const CompiledQuery any = Compile("any where process.pid == 100");
  const EcsEvent exec = Exec(0, 1);
  const EcsEvent connect = Connect(0, 2);
  Evaluator evaluator;
  auto matches = [&](const CompiledQuery& q, const EcsEvent& e) {
    evaluator.Bind(e);
    return evaluator.Matches(q.stages[0]);
  };
  EXPECT_TRUE(matches(process, exec));
  EXPECT_FALSE(matches(process, connect));
  EXPECT_FALSE(matches(network, exec));
  EXPECT_TRUE(matches(network, connect));
  EXPECT_TRUE(matches(any, exec));
  EXPECT_TRUE(matches(any, connect));
}

TEST(EvaluatorTest, RebindingForgetsTheValuesOfThePreviousEvent) {
  // The pipeline reuses one EcsEvent object; a cache keyed on its address
  // would return stale values.
  const CompiledQuery query = Compile("process where process.name : \"curl\"");
  EcsEvent e = Exec(0, 1, "/usr/bin/curl");
  Evaluator evaluator;
  evaluator.Bind(e);
  EXPECT_TRUE(evaluator.Matches(query.stages[0]));
  e.executable = {"/usr/bin/ls"};
  evaluator.Bind(e);
  EXPECT_FALSE(evaluator.Matches(query.stages[0]));
}

TEST(EvaluatorTest, HostOsTypeIsAlwaysLinuxAndEventFieldsFollowTheCategory) {
  EXPECT_TRUE(Holds("host.os.type == \"linux\" and event.type == \"start\" and "
                    "event.action == \"exec\"",
                    Exec(0, 1)));
  EXPECT_TRUE(Holds("event.action == \"connection_attempted\" and event.type == null",
                    Connect(0, 1)));
}

}  // namespace
}  // namespace imds
