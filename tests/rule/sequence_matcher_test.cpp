#include "rule/sequence_matcher.h"

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

// The shape of the IMDS rule, with conditions reduced to what these tests vary.
const char* const kCurlThenImds =
    "sequence by host.id, process.parent.entity_id with maxspan=1s\n"
    "  [process where process.name : \"curl\"]\n"
    "  [network where destination.ip == \"169.254.169.254\"]";

class SequenceMatcherTest : public ::testing::Test {
 protected:
  SequenceMatcher matcher_{Compile(kCurlThenImds)};
};

TEST_F(SequenceMatcherTest, ConnectExactlyMaxspanAfterTheExecCompletesTheSequence) {
  EXPECT_TRUE(matcher_.OnEvent(Exec(1000, 10)).empty());
  const auto matches = matcher_.OnEvent(Connect(2000, 11));
  ASSERT_EQ(matches.size(), 1u);
  ASSERT_EQ(matches[0].events.size(), 2u);
  EXPECT_EQ(matches[0].events[0].category, EventCategory::kProcess);
  EXPECT_EQ(matches[0].events[0].stamp.serial, 10u);
  EXPECT_EQ(matches[0].events[1].category, EventCategory::kNetwork);
  EXPECT_EQ(matches[0].events[1].stamp.serial, 11u);
}

TEST_F(SequenceMatcherTest, ConnectOneMillisecondPastMaxspanDoesNot) {
  matcher_.OnEvent(Exec(1000, 10));
  EXPECT_TRUE(matcher_.OnEvent(Connect(2001, 11)).empty());
}

TEST_F(SequenceMatcherTest, ConnectWithTheSameTimeButALowerSerialDoesNot) {
  matcher_.OnEvent(Exec(1000, 10));
  EXPECT_TRUE(matcher_.OnEvent(Connect(1000, 9)).empty());
  // The same time with a higher serial comes after the exec.
  EXPECT_EQ(matcher_.OnEvent(Connect(1000, 11)).size(), 1u);
}

TEST_F(SequenceMatcherTest, ConnectBeforeTheExecDoesNot) {
  matcher_.OnEvent(Exec(1000, 10));
  EXPECT_TRUE(matcher_.OnEvent(Connect(999, 11)).empty());
}

TEST_F(SequenceMatcherTest, DifferentParentEntityDoesNotJoin) {
  matcher_.OnEvent(Exec(1000, 10));
  EcsEvent connect = Connect(1100, 11);
  connect.parent_entity_id = "host-1:51:1";
  EXPECT_TRUE(matcher_.OnEvent(connect).empty());
}

TEST_F(SequenceMatcherTest, DifferentHostDoesNotJoin) {
  matcher_.OnEvent(Exec(1000, 10));
  EcsEvent connect = Connect(1100, 11);
  connect.host_id = "host-2";
  EXPECT_TRUE(matcher_.OnEvent(connect).empty());
}

TEST_F(SequenceMatcherTest, NullParentEntityNeverJoins) {
  EcsEvent exec = Exec(1000, 10);
  exec.parent_entity_id.reset();
  EcsEvent connect = Connect(1100, 11);
  connect.parent_entity_id.reset();
  matcher_.OnEvent(exec);
  EXPECT_EQ(matcher_.pending(), 0u);
  EXPECT_TRUE(matcher_.OnEvent(connect).empty());
}

TEST_F(SequenceMatcherTest, NewerExecReplacesThePendingOneForItsKey) {
  EcsEvent first = Exec(0, 10);
  first.pid = 100;
  EcsEvent second = Exec(500, 11);
  second.pid = 101;
  matcher_.OnEvent(first);
  matcher_.OnEvent(second);
  EXPECT_EQ(matcher_.pending(), 1u);
  // 1200 - 500 <= 1000: completes with the second exec, which replaced the first.
  const auto matches = matcher_.OnEvent(Connect(1200, 12));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].events[0].pid, 101);
}

TEST_F(SequenceMatcherTest, ReplacementKeepsTheLaterExecWhenAnOlderOneArrivesLate) {
  EcsEvent later = Exec(500, 11);
  later.pid = 101;
  EcsEvent earlier = Exec(0, 10);
  earlier.pid = 100;
  matcher_.OnEvent(later);
  matcher_.OnEvent(earlier);
  const auto matches = matcher_.OnEvent(Connect(1200, 12));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].events[0].pid, 101);
}

TEST_F(SequenceMatcherTest, CompletedSequenceIsReportedOnceAndForgotten) {
  matcher_.OnEvent(Exec(0, 10));
  EXPECT_EQ(matcher_.OnEvent(Connect(100, 11)).size(), 1u);
  EXPECT_EQ(matcher_.pending(), 0u);
  EXPECT_TRUE(matcher_.OnEvent(Connect(200, 12)).empty());
}

TEST_F(SequenceMatcherTest, EachKeyHasItsOwnPendingSequence) {
  EcsEvent a = Exec(0, 10);
  EcsEvent b = Exec(10, 11);
  b.parent_entity_id = "host-1:60:1";
  matcher_.OnEvent(a);
  matcher_.OnEvent(b);
  EXPECT_EQ(matcher_.pending(), 2u);
  EcsEvent connect_b = Connect(100, 12);
  connect_b.parent_entity_id = "host-1:60:1";
  EXPECT_EQ(matcher_.OnEvent(connect_b).size(), 1u);
  EXPECT_EQ(matcher_.OnEvent(Connect(110, 13)).size(), 1u);
  EXPECT_EQ(matcher_.pending(), 0u);
}

TEST_F(SequenceMatcherTest, PendingSequencesOlderThanMaxspanBehindTheNewestEventAreDropped) {
  matcher_.OnEvent(Exec(0, 10));
  EXPECT_EQ(matcher_.pending(), 1u);
  // Any event moves time forward, even one no stage matches.
  EcsEvent unrelated = Exec(1000, 11, "/usr/bin/ls", "ls");
  matcher_.OnEvent(unrelated);
  EXPECT_EQ(matcher_.pending(), 1u);  // exactly maxspan behind: still completable
  unrelated.stamp = testing_events::At(1001, 12);
  matcher_.OnEvent(unrelated);
  EXPECT_EQ(matcher_.pending(), 0u);
  EXPECT_EQ(matcher_.expired(), 1u);
  // A connect arriving late, within the span of the dropped exec, finds nothing.
  EXPECT_TRUE(matcher_.OnEvent(Connect(900, 13)).empty());
}

TEST_F(SequenceMatcherTest, ExecAlreadyTooOldWhenItArrivesIsNotKept) {
  matcher_.OnEvent(Exec(5000, 10, "/usr/bin/ls", "ls"));
  matcher_.OnEvent(Exec(3000, 11));
  EXPECT_EQ(matcher_.pending(), 0u);
}

// Per-host clocks (docs/fleet.md, C1): a collector interleaves hosts whose
// clocks differ, and whose records may arrive late.
EcsEvent OnHost(EcsEvent e, const std::string& host) {
  e.host_id = host;
  e.host_name = host;
  if (e.parent_entity_id) e.parent_entity_id = host + ":50:1";
  return e;
}

TEST_F(SequenceMatcherTest, AHostThirtySecondsAheadDoesNotExpireAnotherHostsPendingSequence) {
  matcher_.OnEvent(OnHost(Exec(1000, 10), "host-1"));
  // host-2's clock is 30 s ahead: any of its events, matching or not.
  matcher_.OnEvent(OnHost(Exec(31000, 500, "/usr/bin/ls", "ls"), "host-2"));
  matcher_.OnEvent(OnHost(Exec(31100, 501), "host-2"));
  EXPECT_EQ(matcher_.expired(), 0u);
  const auto matches = matcher_.OnEvent(OnHost(Connect(1500, 11), "host-1"));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].events[0].host_id, "host-1");
  EXPECT_EQ(matches[0].events[0].stamp.serial, 10u);
}

TEST_F(SequenceMatcherTest, AHostBehindTheOthersStillStartsAndCompletesItsOwnSequence) {
  // host-2 is 30 s ahead of host-1 (or host-1's records arrive 30 s late).
  matcher_.OnEvent(OnHost(Exec(31000, 500, "/usr/bin/ls", "ls"), "host-2"));
  matcher_.OnEvent(OnHost(Exec(1000, 10), "host-1"));
  EXPECT_EQ(matcher_.pending(), 1u);  // not "too old": host-1's own clock is at 1000
  matcher_.OnEvent(OnHost(Exec(31500, 501, "/usr/bin/ls", "ls"), "host-2"));
  EXPECT_EQ(matcher_.OnEvent(OnHost(Connect(1800, 11), "host-1")).size(), 1u);
}

TEST_F(SequenceMatcherTest, PendingSequencesStillExpireByTheirOwnHostsClock) {
  matcher_.OnEvent(OnHost(Exec(0, 10), "host-1"));
  matcher_.OnEvent(OnHost(Exec(60000, 500, "/usr/bin/ls", "ls"), "host-2"));
  EXPECT_EQ(matcher_.pending(), 1u);
  // host-1's own clock moves past maxspan: its sequence is dropped, and a
  // late connect within the dropped exec's span finds nothing.
  matcher_.OnEvent(OnHost(Exec(1001, 11, "/usr/bin/ls", "ls"), "host-1"));
  EXPECT_EQ(matcher_.pending(), 0u);
  EXPECT_EQ(matcher_.expired(), 1u);
  EXPECT_TRUE(matcher_.OnEvent(OnHost(Connect(900, 12), "host-1")).empty());
  // ... and an exec more than maxspan behind its own host is not kept.
  matcher_.OnEvent(OnHost(Exec(0, 13), "host-1"));
  EXPECT_EQ(matcher_.pending(), 0u);
}

TEST(SequenceMatcherHostClockTest, HostsAreTimedByTheirHostIdEvenWhenItIsNoJoinKey) {
  SequenceMatcher matcher(Compile("sequence by process.parent.entity_id with maxspan=1s"
                                  " [process where process.name : \"curl\"]"
                                  " [network where destination.ip == \"169.254.169.254\"]"));
  matcher.OnEvent(Exec(0, 10));  // host-1
  EcsEvent ahead = Exec(30000, 500, "/usr/bin/ls", "ls");
  ahead.host_id = "host-2";
  matcher.OnEvent(ahead);
  EXPECT_EQ(matcher.OnEvent(Connect(400, 11)).size(), 1u);
}

TEST(SequenceMatcherHostClockTest, HostClocksStayBoundedAndAHostWithAPendingSequenceKeepsItsClock) {
  SequenceMatcher matcher(Compile(kCurlThenImds), /*max_pending=*/16);
  matcher.OnEvent(OnHost(Exec(1000, 10), "kept"));
  // Ever new host names (node= is whatever a sender writes), none pending.
  for (int i = 0; i < 20000; ++i) {
    matcher.OnEvent(OnHost(Exec(100000 + i, 100 + i, "/usr/bin/ls", "ls"), "h" + std::to_string(i)));
    ASSERT_LE(matcher.host_clocks(), 2 * (16 + SequenceMatcher::kMinHostClockSweep) + 1);
  }
  EXPECT_EQ(matcher.expired(), 0u);
  EXPECT_EQ(matcher.OnEvent(OnHost(Connect(1500, 11), "kept")).size(), 1u);
}

TEST(SequenceMatcherCapTest, BeyondTheCapTheOldestPendingSequencesAreEvictedAndCounted) {
  SequenceMatcher matcher(Compile(kCurlThenImds), /*max_pending=*/3);
  for (int i = 0; i < 5; ++i) {
    EcsEvent exec = Exec(i, 10 + i);
    exec.parent_entity_id = "parent-" + std::to_string(i);
    matcher.OnEvent(exec);
  }
  EXPECT_EQ(matcher.pending(), 3u);
  EXPECT_EQ(matcher.evicted(), 2u);

  EcsEvent evicted_connect = Connect(100, 20);
  evicted_connect.parent_entity_id = "parent-0";
  EXPECT_TRUE(matcher.OnEvent(evicted_connect).empty());
  EcsEvent kept_connect = Connect(100, 21);
  kept_connect.parent_entity_id = "parent-4";
  EXPECT_EQ(matcher.OnEvent(kept_connect).size(), 1u);
}

TEST(SequenceMatcherSingleStageTest, SingleEventQueryReportsEveryMatch) {
  SequenceMatcher matcher(Compile("network where destination.ip == \"169.254.169.254\""));
  EXPECT_EQ(matcher.OnEvent(Connect(0, 1)).size(), 1u);
  EXPECT_EQ(matcher.OnEvent(Connect(0, 1)).size(), 1u);
  EXPECT_TRUE(matcher.OnEvent(Connect(0, 2, "10.0.0.1")).empty());
  EXPECT_TRUE(matcher.OnEvent(Exec(0, 3)).empty());
  EXPECT_EQ(matcher.pending(), 0u);
}

TEST(SequenceMatcherSelfTest, AnEventCannotCompleteASequenceItStarted) {
  // Both stages accept the same event.
  SequenceMatcher matcher(Compile("sequence by host.id with maxspan=1s"
                                  " [any where process.pid == 100]"
                                  " [any where process.pid == 100]"));
  const EcsEvent e = Exec(0, 10);
  EXPECT_TRUE(matcher.OnEvent(e).empty());
  EXPECT_TRUE(matcher.OnEvent(e).empty());  // the same event again
  // A later event completes the pending sequence and starts the next.
  const auto matches = matcher.OnEvent(Connect(10, 11));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].events[0].stamp.serial, 10u);
  EXPECT_EQ(matches[0].events[1].stamp.serial, 11u);
  EXPECT_EQ(matcher.pending(), 1u);
}

TEST(SequenceMatcherThreeStageTest, StagesAdvanceInOrderWithinMaxspanOfTheFirst) {
  SequenceMatcher matcher(Compile("sequence by host.id with maxspan=1s"
                                  " [process where process.name : \"a\"]"
                                  " [process where process.name : \"b\"]"
                                  " [network where destination.port == 80]"));
  EXPECT_TRUE(matcher.OnEvent(Exec(0, 1, "/bin/a", "a")).empty());
  // The third stage before the second does nothing.
  EXPECT_TRUE(matcher.OnEvent(Connect(100, 2)).empty());
  EXPECT_TRUE(matcher.OnEvent(Exec(200, 3, "/bin/b", "b")).empty());
  EXPECT_EQ(matcher.pending(), 1u);
  const auto matches = matcher.OnEvent(Connect(1000, 4));
  ASSERT_EQ(matches.size(), 1u);
  ASSERT_EQ(matches[0].events.size(), 3u);
  EXPECT_EQ(matches[0].events[0].stamp.serial, 1u);
  EXPECT_EQ(matches[0].events[1].stamp.serial, 3u);
  EXPECT_EQ(matches[0].events[2].stamp.serial, 4u);

  // The span is measured from the first stage, not the previous one.
  matcher.OnEvent(Exec(2000, 5, "/bin/a", "a"));
  matcher.OnEvent(Exec(2900, 6, "/bin/b", "b"));
  EXPECT_TRUE(matcher.OnEvent(Connect(3001, 7)).empty());
}

TEST(SequenceMatcherNoKeyTest, SequenceWithoutByJoinsEverything) {
  SequenceMatcher matcher(Compile("sequence with maxspan=1s"
                                  " [process where process.name : \"curl\"]"
                                  " [network where destination.port == 80]"));
  matcher.OnEvent(Exec(0, 1));
  EcsEvent connect = Connect(10, 2);
  connect.host_id = "elsewhere";
  connect.parent_entity_id.reset();
  EXPECT_EQ(matcher.OnEvent(connect).size(), 1u);
}

}  // namespace
}  // namespace imds
