#include "rule/sequence_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "test_events.h"

namespace imds {
namespace {

using testing_events::At;
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

TEST_F(SequenceMatcherTest, EveryExecIsACandidateAndTheConnectTakesTheLatestUsingUpTheOlder) {
  EcsEvent first = Exec(300, 10);
  first.pid = 100;
  EcsEvent second = Exec(500, 11);
  second.pid = 101;
  matcher_.OnEvent(first);
  matcher_.OnEvent(second);
  EXPECT_EQ(matcher_.pending(), 2u);  // both wait: no candidate replaces another
  // 1200 - 500 <= 1000: pairs with the latest exec stamped before it ...
  const auto matches = matcher_.OnEvent(Connect(1200, 12));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].events[0].pid, 101);
  // ... which uses up the older one too (Elasticsearch's sequence semantics):
  // a later connect within maxspan of the older exec finds nothing.
  EXPECT_EQ(matcher_.pending(), 0u);
  EXPECT_TRUE(matcher_.OnEvent(Connect(1250, 13)).empty());
}

TEST_F(SequenceMatcherTest, AnOlderExecArrivingLateDoesNotTakeTheConnectFromTheLaterOne) {
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

TEST(SequenceMatcherExpiryTest, StateIsKeptUntilMaxspanPlusTheAllowanceBehindTheNewestEvent) {
  SequenceMatcher matcher(Compile(kCurlThenImds), SequenceMatcher::kDefaultMaxPending,
                          /*lateness_millis=*/500);
  matcher.OnEvent(Exec(0, 10));
  EXPECT_EQ(matcher.pending(), 1u);
  // Any event moves time forward, even one no stage matches.
  EcsEvent unrelated = Exec(1500, 11, "/usr/bin/ls", "ls");
  matcher.OnEvent(unrelated);
  // maxspan + allowance behind: a connect stamped up to 1000 may still arrive.
  EXPECT_EQ(matcher.pending(), 1u);
  unrelated.stamp = testing_events::At(1501, 12);
  matcher.OnEvent(unrelated);
  EXPECT_EQ(matcher.pending(), 0u);
  EXPECT_EQ(matcher.retained(), 0u);
  EXPECT_EQ(matcher.expired(), 1u);
  // Such a connect would now be later than the allowance: dropped, counted.
  EXPECT_TRUE(matcher.OnEvent(Connect(900, 13)).empty());
  EXPECT_EQ(matcher.late_dropped(), 1u);
}

TEST(SequenceMatcherExpiryTest, WithoutAnAllowanceStateIsKeptForMaxspan) {
  SequenceMatcher matcher(Compile(kCurlThenImds), SequenceMatcher::kDefaultMaxPending,
                          /*lateness_millis=*/0);
  matcher.OnEvent(Exec(0, 10));
  EcsEvent unrelated = Exec(1000, 11, "/usr/bin/ls", "ls");
  matcher.OnEvent(unrelated);
  EXPECT_EQ(matcher.pending(), 1u);  // exactly maxspan behind: still completable
  unrelated.stamp = testing_events::At(1001, 12);
  matcher.OnEvent(unrelated);
  EXPECT_EQ(matcher.pending(), 0u);
  EXPECT_EQ(matcher.expired(), 1u);
  // A connect arriving late, within the span of the dropped exec, finds nothing.
  EXPECT_TRUE(matcher.OnEvent(Connect(900, 13)).empty());
}

TEST(SequenceMatcherExpiryTest, AnEventLaterThanTheAllowanceIsDroppedAndCounted) {
  SequenceMatcher matcher(Compile(kCurlThenImds), SequenceMatcher::kDefaultMaxPending,
                          /*lateness_millis=*/1000);
  matcher.OnEvent(Exec(5000, 10, "/usr/bin/ls", "ls"));
  matcher.OnEvent(Exec(3999, 11));
  EXPECT_EQ(matcher.retained(), 0u);
  EXPECT_EQ(matcher.late_dropped(), 1u);
  // Exactly the allowance behind: judged by its own timestamp.
  matcher.OnEvent(Exec(4000, 12));
  EXPECT_EQ(matcher.pending(), 1u);
  EXPECT_TRUE(matcher.OnEvent(Connect(3998, 13)).empty());
  EXPECT_EQ(matcher.late_dropped(), 2u);
  EXPECT_EQ(matcher.OnEvent(Connect(4001, 14)).size(), 1u);
  // An event no stage matches is not counted, however late.
  matcher.OnEvent(Exec(0, 15, "/usr/bin/ls", "ls"));
  EXPECT_EQ(matcher.late_dropped(), 2u);
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

TEST(SequenceMatcherExpiryTest, PendingSequencesStillExpireByTheirOwnHostsClock) {
  SequenceMatcher matcher(Compile(kCurlThenImds), SequenceMatcher::kDefaultMaxPending,
                          /*lateness_millis=*/500);
  matcher.OnEvent(OnHost(Exec(0, 10), "host-1"));
  matcher.OnEvent(OnHost(Exec(60000, 500, "/usr/bin/ls", "ls"), "host-2"));
  EXPECT_EQ(matcher.pending(), 1u);
  // host-1's own clock moves past maxspan + allowance: its sequence is
  // dropped, and a late connect within the dropped exec's span is too late.
  matcher.OnEvent(OnHost(Exec(1501, 11, "/usr/bin/ls", "ls"), "host-1"));
  EXPECT_EQ(matcher.pending(), 0u);
  EXPECT_EQ(matcher.expired(), 1u);
  EXPECT_TRUE(matcher.OnEvent(OnHost(Connect(900, 12), "host-1")).empty());
  // ... and an exec more than the allowance behind its own host is not kept.
  matcher.OnEvent(OnHost(Exec(0, 13), "host-1"));
  EXPECT_EQ(matcher.retained(), 0u);
  EXPECT_EQ(matcher.late_dropped(), 2u);
  // host-2's clock, far ahead, never made host-1's events late.
  matcher.OnEvent(OnHost(Exec(1200, 14), "host-1"));
  EXPECT_EQ(matcher.pending(), 1u);
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

// --- Late arrival (semantics.md, "Time and order") ---
// The fixture's matcher has the default allowance (135 s).

TEST_F(SequenceMatcherTest, AConnectDeliveredAfterLaterStampedEventsPairsByItsOwnStamp) {
  // A blocking connect to a black-holed IMDS: stamped 2 ms after the exec,
  // delivered seconds later, after other execs moved the host's clock on.
  matcher_.OnEvent(Exec(1000, 10));
  for (int i = 0; i < 50; ++i) matcher_.OnEvent(Exec(1001 + i * 100, 20 + i, "/usr/bin/ls", "ls"));
  const auto matches = matcher_.OnEvent(Connect(1002, 11));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].events[0].stamp.serial, 10u);
  EXPECT_EQ(matches[0].events[1].stamp.serial, 11u);
  EXPECT_EQ(matcher_.late_dropped(), 0u);
}

TEST_F(SequenceMatcherTest, AnExecDeliveredAfterItsConnectPairsWhenItArrives) {
  // The captures' few-millisecond inversions: the connect is delivered first.
  EXPECT_TRUE(matcher_.OnEvent(Connect(1003, 11)).empty());
  const auto matches = matcher_.OnEvent(Exec(1000, 10));
  ASSERT_EQ(matches.size(), 1u);
  ASSERT_EQ(matches[0].events.size(), 2u);
  EXPECT_EQ(matches[0].events[0].category, EventCategory::kProcess);
  EXPECT_EQ(matches[0].events[0].stamp.serial, 10u);
  EXPECT_EQ(matches[0].events[1].category, EventCategory::kNetwork);
  EXPECT_EQ(matches[0].events[1].stamp.serial, 11u);
  EXPECT_EQ(matcher_.pending(), 0u);
  // Used up: a later connect does not pair with it again.
  EXPECT_TRUE(matcher_.OnEvent(Connect(1004, 12)).empty());
}

TEST_F(SequenceMatcherTest, ALateExecPairsWithAConnectAlreadySeenOnlyWithinMaxspan) {
  matcher_.OnEvent(Connect(2000, 12));
  EXPECT_TRUE(matcher_.OnEvent(Exec(999, 10)).empty());  // 1001 ms before it
  EXPECT_EQ(matcher_.pending(), 1u);
  EXPECT_EQ(matcher_.OnEvent(Exec(1000, 11)).size(), 1u);
}

TEST_F(SequenceMatcherTest, ALateExecBehindAnotherCandidateWaitsForItsOwnConnect) {
  ASSERT_TRUE(matcher_.OnEvent(Connect(1000, 13)).empty());
  ASSERT_EQ(matcher_.OnEvent(Exec(800, 12)).size(), 1u);
  // The connect pairs with the latest exec before it, 800, not this one.
  EXPECT_TRUE(matcher_.OnEvent(Exec(600, 10)).empty());
  EXPECT_EQ(matcher_.pending(), 0u);  // the pairing at 1000 used it up ...
  // ... for connects after that pairing; one stamped before it pairs with it.
  const auto matches = matcher_.OnEvent(Connect(700, 11));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].events[0].stamp.serial, 10u);
  EXPECT_EQ(matches[0].events[1].stamp.serial, 11u);
}

TEST_F(SequenceMatcherTest, ALateConnectDoesNotPairWithAnExecAnEarlierPairingUsedUp) {
  matcher_.OnEvent(Exec(0, 10));
  matcher_.OnEvent(Exec(100, 11));
  ASSERT_EQ(matcher_.OnEvent(Connect(200, 12)).size(), 1u);  // (100, 200) uses up 0 too
  matcher_.OnEvent(Exec(2000, 14, "/usr/bin/ls", "ls"));
  EXPECT_TRUE(matcher_.OnEvent(Connect(300, 13)).empty());
}

// An alert cannot be taken back (see the header): where a late event makes
// timestamp order pair differently without adding a pair, nothing is sent.
TEST_F(SequenceMatcherTest, ALateExecBetweenASentPairsEventsSendsNothing) {
  matcher_.OnEvent(Exec(0, 10));
  ASSERT_EQ(matcher_.OnEvent(Connect(500, 12)).size(), 1u);
  // Timestamp order now pairs this exec with that connect: still one pair.
  EXPECT_TRUE(matcher_.OnEvent(Exec(300, 11)).empty());
  EXPECT_EQ(matcher_.pending(), 0u);
  EXPECT_TRUE(matcher_.OnEvent(Connect(600, 13)).empty());
}

TEST_F(SequenceMatcherTest, ALateConnectBetweenASentPairsEventsSendsNothing) {
  matcher_.OnEvent(Exec(0, 10));
  ASSERT_EQ(matcher_.OnEvent(Connect(500, 12)).size(), 1u);
  EXPECT_TRUE(matcher_.OnEvent(Connect(300, 11)).empty());
  EXPECT_TRUE(matcher_.OnEvent(Connect(600, 13)).empty());
}

TEST_F(SequenceMatcherTest, TheCountFollowsTimestampOrderEvenWhereThatReusesASentEvent) {
  // The header's example: timestamp order ends with (A@0, B@1) and (A@2, B@3),
  // but (A@0, B@3) was sent before A@2 and B@1 arrived.
  matcher_.OnEvent(Exec(0, 10));
  ASSERT_EQ(matcher_.OnEvent(Connect(3, 13)).size(), 1u);
  EXPECT_TRUE(matcher_.OnEvent(Exec(2, 12)).empty());
  const auto matches = matcher_.OnEvent(Connect(1, 11));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].events[0].stamp.serial, 10u);
  EXPECT_EQ(matches[0].events[1].stamp.serial, 11u);
}

TEST(SequenceMatcherCapTest, ConnectsKeptForLateExecsCountAgainstTheCap) {
  SequenceMatcher matcher(Compile(kCurlThenImds), /*max_pending=*/4);
  for (int i = 0; i < 10; ++i) {
    matcher.OnEvent(Connect(i, 10 + i));
    EXPECT_LE(matcher.retained(), 4u);
  }
  EXPECT_EQ(matcher.evicted(), 6u);
  // The newest are kept: a late exec still pairs with one.
  EXPECT_EQ(matcher.OnEvent(Exec(8, 9)).size(), 1u);
}

TEST(SequenceMatcherFloodTest, AFloodOfConnectsForOneKeyStaysBoundedAndLinear) {
  // An agent polling the IMDS 5000 times a second under one parent, with
  // the odd curl among them: every connect is kept (a late exec may pair
  // with it) up to the cap, and each costs O(log n).
  constexpr size_t kCap = 20000;
  SequenceMatcher matcher(Compile(kCurlThenImds), kCap);
  const auto start = std::chrono::steady_clock::now();
  constexpr int kConnects = 300000;
  size_t alerts = 0;
  for (int i = 0; i < kConnects; ++i) {
    if (i % 1000 == 0) alerts += matcher.OnEvent(Exec(i / 5, 2 * uint64_t(i) + 1)).size();
    alerts += matcher.OnEvent(Connect(i / 5, 2 * uint64_t(i) + 2)).size();
  }
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(alerts, size_t{kConnects / 1000});
  EXPECT_LE(matcher.retained(), kCap);
  EXPECT_GT(matcher.evicted(), 0u);
  // Linear: about a second even under sanitizers; quadratic would take hours.
  EXPECT_LT(seconds, 60.0);
}

// --- Differential tests against a reference ---

// Stages of kOverlapping: "/bin/a" is A, "/bin/b" is B, "/bin/ab" both.
const char* const kOverlapping =
    "sequence by host.id, process.parent.entity_id with maxspan=1s\n"
    "  [process where process.name : \"a*\"]\n"
    "  [process where process.name : \"*b\"]";

struct RefEvent {
  AuditStamp stamp;  // serials are unique within a run
  int key = 0;
  bool first = false;  // matches stage A
  bool last = false;   // matches stage B
};
using Pair = std::pair<uint64_t, uint64_t>;  // serials of (A, B)

// Elasticsearch's algorithm on the events sorted by stamp: slow, and plainly
// the specification. Per key, candidates in order; a B takes the latest one
// stamped before it if within maxspan, and uses up it and every older one.
// An event matching both stages is taken as B first.
std::set<Pair> ReferencePairs(std::vector<RefEvent> events, int64_t maxspan_millis) {
  std::sort(events.begin(), events.end(),
            [](const RefEvent& a, const RefEvent& b) { return a.stamp < b.stamp; });
  std::map<int, std::vector<RefEvent>> waiting;
  std::set<Pair> pairs;
  for (const RefEvent& e : events) {
    std::vector<RefEvent>& candidates = waiting[e.key];
    if (e.last) {
      size_t i = candidates.size();
      while (i > 0 && !(candidates[i - 1].stamp < e.stamp)) --i;
      if (i > 0 && e.stamp.EpochMillis() - candidates[i - 1].stamp.EpochMillis() <= maxspan_millis) {
        pairs.emplace(candidates[i - 1].stamp.serial, e.stamp.serial);
        candidates.erase(candidates.begin(), candidates.begin() + static_cast<long>(i));
      }
    }
    if (e.first) candidates.push_back(e);
  }
  return pairs;
}

EcsEvent EventFor(const RefEvent& r, bool overlapping) {
  EcsEvent e;
  if (overlapping) {
    const char* exe = r.first && r.last ? "/bin/ab" : r.first ? "/bin/a" : r.last ? "/bin/b" : "/bin/ls";
    e = Exec(0, 0, exe, exe);
  } else if (r.last) {
    e = Connect(0, 0);
  } else {
    e = r.first ? Exec(0, 0) : Exec(0, 0, "/usr/bin/ls", "ls");
  }
  e.stamp = r.stamp;
  e.parent_entity_id = "host-1:" + std::to_string(50 + r.key) + ":1";
  return e;
}

struct DifferentialStats {
  int runs = 0;
  size_t alerts = 0;
  size_t late_alerts = 0;  // sent on the arrival of an event older than the newest
  int runs_with_retraction = 0;
};

// One run: events stamped in order on a few keys, delivered each with a
// random delay of at most the allowance (so none is too late), fed one by
// one. After each arrival the reference is recomputed over what has
// arrived; the alerts of that arrival must be exactly the pairs it added,
// unless timestamp order dropped a pair (an alert already sent: see the
// header), where only their number must match. At the end the count must
// equal the reference's, and without such a step the alerts must be the
// reference's pairs exactly (so each event is in at most one).
void DifferentialRun(std::mt19937& rng, bool overlapping, int64_t allowance, DifferentialStats& stats) {
  constexpr int64_t kMaxspan = 1000;
  SequenceMatcher matcher(Compile(overlapping ? kOverlapping : kCurlThenImds),
                          SequenceMatcher::kDefaultMaxPending, allowance);
  const int keys = 1 + static_cast<int>(rng() % 3);
  const int count = 2 + static_cast<int>(rng() % 40);
  const int64_t max_gap = rng() % 2 ? 6 : 700;
  std::vector<RefEvent> refs;
  std::vector<int64_t> arrival;
  int64_t ms = 10000;
  for (int i = 0; i < count; ++i) {
    ms += static_cast<int64_t>(rng() % static_cast<uint32_t>(max_gap + 1));
    RefEvent r;
    r.stamp = At(ms, static_cast<uint64_t>(i) + 1);
    r.key = static_cast<int>(rng() % static_cast<uint32_t>(keys));
    const uint32_t kind = rng() % (overlapping ? 4 : 3);  // A, B, neither, both
    r.first = kind == 0 || kind == 3;
    r.last = kind == 1 || kind == 3;
    refs.push_back(r);
    arrival.push_back(ms + static_cast<int64_t>(rng() % static_cast<uint32_t>(allowance + 1)));
  }
  std::vector<size_t> order(refs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return arrival[a] < arrival[b]; });

  std::ostringstream trace;
  trace << "delivery (kind@ms#serial/key):";
  for (size_t i : order) {
    const RefEvent& r = refs[i];
    trace << " " << (r.first ? "A" : "") << (r.last ? "B" : "") << (!r.first && !r.last ? "-" : "") << "@"
          << r.stamp.EpochMillis() << "#" << r.stamp.serial << "/" << r.key;
  }
  SCOPED_TRACE(trace.str());

  std::vector<RefEvent> arrived;
  std::set<Pair> before;
  std::multiset<Pair> sent_all;
  bool retraction = false;
  AuditStamp newest;
  for (size_t i : order) {
    const RefEvent& r = refs[i];
    arrived.push_back(r);
    const bool late = r.stamp < newest;
    if (newest < r.stamp) newest = r.stamp;
    const auto matches = matcher.OnEvent(EventFor(r, overlapping));
    const std::set<Pair> now = ReferencePairs(arrived, kMaxspan);
    std::set<Pair> added, lost;
    std::set_difference(now.begin(), now.end(), before.begin(), before.end(), std::inserter(added, added.end()));
    std::set_difference(before.begin(), before.end(), now.begin(), now.end(), std::inserter(lost, lost.end()));

    std::set<Pair> sent;
    for (const SequenceMatch& m : matches) {
      ASSERT_EQ(m.events.size(), 2u);
      const RefEvent& a = refs[m.events[0].stamp.serial - 1];
      const RefEvent& b = refs[m.events[1].stamp.serial - 1];
      // Always a valid pair.
      EXPECT_TRUE(a.first);
      EXPECT_TRUE(b.last);
      EXPECT_EQ(a.key, b.key);
      EXPECT_TRUE(a.stamp < b.stamp);
      EXPECT_LE(b.stamp.EpochMillis() - a.stamp.EpochMillis(), kMaxspan);
      sent.emplace(a.stamp.serial, b.stamp.serial);
      sent_all.emplace(a.stamp.serial, b.stamp.serial);
    }
    EXPECT_EQ(sent.size(), matches.size());
    if (lost.empty()) {
      EXPECT_EQ(sent, added) << "after " << r.stamp.EpochMillis() << "#" << r.stamp.serial;
    } else {
      retraction = true;
      EXPECT_EQ(matches.size() + before.size(), now.size()) << "after " << r.stamp.serial;
    }
    stats.alerts += matches.size();
    if (late) stats.late_alerts += matches.size();
    before = now;
  }
  EXPECT_EQ(sent_all.size(), before.size());
  if (!retraction) {
    EXPECT_EQ(std::set<Pair>(sent_all.begin(), sent_all.end()), before);
  } else {
    // The weaker invariant: valid pairs (checked above), the same count, no
    // pair sent twice.
    EXPECT_EQ(std::set<Pair>(sent_all.begin(), sent_all.end()).size(), sent_all.size());
    ++stats.runs_with_retraction;
  }
  EXPECT_EQ(matcher.late_dropped(), 0u);
  // Past maxspan + allowance, nothing is kept.
  matcher.OnEvent(EventFor(RefEvent{At(ms + kMaxspan + allowance + 1, 999999), 0, false, false}, overlapping));
  EXPECT_EQ(matcher.retained(), 0u);
  ++stats.runs;
}

TEST(SequenceMatcherDifferentialTest, LateDeliveryWithinTheAllowanceGivesTheSortedCount) {
  DifferentialStats stats;
  for (uint32_t seed = 1; seed <= 4000; ++seed) {
    std::mt19937 rng(seed);
    const int64_t allowances[] = {0, 3, 20, 300, 1500};
    const int64_t allowance = allowances[rng() % 5];
    SCOPED_TRACE("seed " + std::to_string(seed) + ", allowance " + std::to_string(allowance));
    DifferentialRun(rng, /*overlapping=*/seed % 2 == 0, allowance, stats);
    if (HasFailure()) break;
  }
  // The runs did exercise late pairing and the cases arrival order cannot
  // match exactly.
  EXPECT_GT(stats.alerts, 1000u);
  EXPECT_GT(stats.late_alerts, 100u);
  EXPECT_GT(stats.runs_with_retraction, 10);
  RecordProperty("alerts", static_cast<int>(stats.alerts));
  RecordProperty("late_alerts", static_cast<int>(stats.late_alerts));
  RecordProperty("runs_with_retraction", stats.runs_with_retraction);
}

TEST(SequenceMatcherDifferentialTest, UnderATinyCapAndTooLateEventsEveryAlertIsStillAValidPair) {
  constexpr int64_t kMaxspan = 1000;
  uint64_t late_dropped = 0;
  uint64_t evicted = 0;
  for (uint32_t seed = 1; seed <= 1000; ++seed) {
    std::mt19937 rng(seed);
    const int64_t allowance = static_cast<int64_t>(rng() % 400);
    const size_t cap = 1 + rng() % 8;
    SequenceMatcher matcher(Compile(kOverlapping), cap, allowance);
    std::set<Pair> sent;
    std::map<uint64_t, RefEvent> refs;
    int64_t ms = 10000;
    for (uint64_t serial = 1; serial <= 60; ++serial) {
      ms += static_cast<int64_t>(rng() % 300);
      // Delays up to twice the allowance: some events come too late.
      RefEvent r;
      r.stamp = At(ms - static_cast<int64_t>(rng() % static_cast<uint32_t>(2 * allowance + 1)), serial);
      r.key = static_cast<int>(rng() % 2);
      const uint32_t kind = rng() % 4;
      r.first = kind == 0 || kind == 3;
      r.last = kind == 1 || kind == 3;
      refs[serial] = r;
      for (const SequenceMatch& m : matcher.OnEvent(EventFor(r, /*overlapping=*/true))) {
        ASSERT_EQ(m.events.size(), 2u);
        const RefEvent& a = refs.at(m.events[0].stamp.serial);
        const RefEvent& b = refs.at(m.events[1].stamp.serial);
        EXPECT_TRUE(a.first && b.last);
        EXPECT_EQ(a.key, b.key);
        EXPECT_TRUE(a.stamp < b.stamp);
        EXPECT_LE(b.stamp.EpochMillis() - a.stamp.EpochMillis(), kMaxspan);
        EXPECT_TRUE(sent.emplace(a.stamp.serial, b.stamp.serial).second) << "sent twice, seed " << seed;
      }
      ASSERT_LE(matcher.retained(), cap) << "seed " << seed;
    }
    late_dropped += matcher.late_dropped();
    evicted += matcher.evicted();
  }
  EXPECT_GT(late_dropped, 0u);
  EXPECT_GT(evicted, 0u);
}

// Three stages, in order: Elasticsearch's algorithm per stage (partial
// sequences ordered by their last event; the latest before the event is
// taken and, with every older one, used up; maxspan from the first event).
TEST(SequenceMatcherDifferentialTest, ThreeStagesInOrderMatchTheReference) {
  constexpr int64_t kMaxspan = 1000;
  size_t total = 0;
  for (uint32_t seed = 1; seed <= 1500; ++seed) {
    std::mt19937 rng(seed);
    SequenceMatcher matcher(Compile("sequence by host.id, process.parent.entity_id with maxspan=1s"
                                    " [process where process.name : \"a\"]"
                                    " [process where process.name : \"b\"]"
                                    " [process where process.name : \"c\"]"));
    using Partial = std::vector<std::pair<AuditStamp, int>>;  // (stamp, stage)
    std::map<int, std::vector<Partial>> waiting[2];
    int64_t ms = 10000;
    for (uint64_t serial = 1; serial <= 50; ++serial) {
      ms += static_cast<int64_t>(rng() % 500);
      const int key = static_cast<int>(rng() % 2);
      const int stage = static_cast<int>(rng() % 4);  // 3: none
      const char* names[] = {"a", "b", "c", "ls"};
      EcsEvent e = Exec(0, 0, std::string("/bin/") + names[stage], names[stage]);
      e.stamp = At(ms, serial);
      e.parent_entity_id = "host-1:" + std::to_string(50 + key) + ":1";

      std::vector<std::vector<uint64_t>> expected;
      if (stage >= 1 && stage <= 2) {
        std::vector<Partial>& from = waiting[stage - 1][key];
        size_t i = from.size();
        while (i > 0 && !(from[i - 1].back().first < e.stamp)) --i;
        if (i > 0) {
          Partial p = from[i - 1];
          from.erase(from.begin(), from.begin() + static_cast<long>(i));
          if (e.stamp.EpochMillis() - p.front().first.EpochMillis() <= kMaxspan) {
            p.emplace_back(e.stamp, stage);
            if (stage == 2) {
              std::vector<uint64_t> serials;
              for (const auto& [stamp, k] : p) serials.push_back(stamp.serial);
              expected.push_back(serials);
            } else {
              waiting[stage][key].push_back(p);
            }
          }
        }
      }
      if (stage == 0) waiting[0][key].push_back(Partial{{e.stamp, 0}});

      std::vector<std::vector<uint64_t>> got;
      for (const SequenceMatch& m : matcher.OnEvent(e)) {
        std::vector<uint64_t> serials;
        for (const EcsEvent& ev : m.events) serials.push_back(ev.stamp.serial);
        got.push_back(serials);
      }
      ASSERT_EQ(got, expected) << "seed " << seed << " serial " << serial;
      total += got.size();
    }
    size_t reference_pending = 0;
    for (const auto& stage : waiting) {
      for (const auto& [key, partials] : stage) {
        for (const Partial& p : partials) {
          if (At(ms, 0).EpochMillis() - p.front().first.EpochMillis() <=
              kMaxspan + SequenceMatcher::kDefaultLatenessMillis) {
            ++reference_pending;
          }
        }
      }
    }
    EXPECT_EQ(matcher.pending(), reference_pending) << "seed " << seed;
  }
  EXPECT_GT(total, 100u);
}

TEST(SequenceMatcherRuleSetTest, RuleSetPassesTheAllowanceAndSumsLateDrops) {
  // Covered end to end in imds_rule_test.cpp; here, the matcher's own knob.
  SequenceMatcher matcher(Compile(kCurlThenImds), 16, 250);
  EXPECT_EQ(matcher.lateness_millis(), 250);
  EXPECT_EQ(SequenceMatcher(Compile(kCurlThenImds), 16, -5).lateness_millis(), 0);
}

}  // namespace
}  // namespace imds
