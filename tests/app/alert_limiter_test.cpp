#include "app/alert_limiter.h"

#include <gtest/gtest.h>

namespace imds {
namespace {

Alert AlertAt(const std::string& rule_id, int64_t ms, const std::string& host = "host-1") {
  Alert a;
  a.rule.id = rule_id;
  a.rule.name = "rule " + rule_id;
  EcsEvent e;
  e.stamp.seconds = ms / 1000;
  e.stamp.millis = static_cast<uint32_t>(ms % 1000);
  e.host_id = host;
  a.events.push_back(e);
  return a;
}

TEST(AlertLimiterTest, ZeroLimitAdmitsEverything) {
  AlertLimiter limiter(0, 1000);
  std::vector<SuppressionReport> reports;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Admit(AlertAt("r", i), reports));
  EXPECT_TRUE(reports.empty());
}

TEST(AlertLimiterTest, AdmitsLimitPerWindowThenCountsTheRest) {
  AlertLimiter limiter(3, 10000);
  std::vector<SuppressionReport> reports;
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += limiter.Admit(AlertAt("r", 1000 + i), reports);
  EXPECT_EQ(admitted, 3);
  EXPECT_EQ(limiter.suppressed_total(), 7u);
  EXPECT_TRUE(reports.empty());  // the window is still open
  // The next window opens at audit time >= start + window and reports the last.
  EXPECT_TRUE(limiter.Admit(AlertAt("r", 11000), reports));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].rule_id, "r");
  EXPECT_EQ(reports[0].host_id, "host-1");
  EXPECT_EQ(reports[0].suppressed, 7u);
  EXPECT_EQ(reports[0].window_start_ms, 1000);
  EXPECT_EQ(reports[0].window_end_ms, 1009);
  EXPECT_NE(reports[0].ToString().find("suppressed 7 alert(s) of rule r (rule r) on host host-1 between audit "
                                       "times 1.000 and 1.009"),
            std::string::npos)
      << reports[0].ToString();
}

TEST(AlertLimiterTest, RulesHaveSeparateBudgets) {
  AlertLimiter limiter(1, 10000);
  std::vector<SuppressionReport> reports;
  EXPECT_TRUE(limiter.Admit(AlertAt("a", 0), reports));
  EXPECT_TRUE(limiter.Admit(AlertAt("b", 0), reports));
  EXPECT_FALSE(limiter.Admit(AlertAt("a", 1), reports));
  EXPECT_FALSE(limiter.Admit(AlertAt("b", 1), reports));
}

TEST(AlertLimiterTest, FlushReportsOpenWindowsOnceOnly) {
  AlertLimiter limiter(1, 10000);
  std::vector<SuppressionReport> reports;
  limiter.Admit(AlertAt("a", 0), reports);
  limiter.Admit(AlertAt("a", 5), reports);
  limiter.Flush(reports);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].suppressed, 1u);
  reports.clear();
  limiter.Flush(reports);
  EXPECT_TRUE(reports.empty());
}

TEST(AlertLimiterTest, WindowBoundaryIsExclusive) {
  AlertLimiter limiter(1, 1000);
  std::vector<SuppressionReport> reports;
  EXPECT_TRUE(limiter.Admit(AlertAt("a", 0), reports));
  EXPECT_FALSE(limiter.Admit(AlertAt("a", 999), reports));
  EXPECT_TRUE(limiter.Admit(AlertAt("a", 1000), reports));
}

TEST(AlertLimiterTest, EachHostHasItsOwnBudgetPerRule) {
  // A collector: one noisy host cannot use up the budget of the others.
  AlertLimiter limiter(2, 10000);
  std::vector<SuppressionReport> reports;
  for (int i = 0; i < 50; ++i) limiter.Admit(AlertAt("r", i, "noisy"), reports);
  EXPECT_EQ(limiter.suppressed_total(), 48u);
  EXPECT_TRUE(limiter.Admit(AlertAt("r", 100, "quiet"), reports));
  EXPECT_TRUE(limiter.Admit(AlertAt("r", 101, "quiet"), reports));
  EXPECT_FALSE(limiter.Admit(AlertAt("r", 102, "quiet"), reports));
  EXPECT_TRUE(limiter.Admit(AlertAt("other rule", 103, "noisy"), reports));
  limiter.Flush(reports);
  ASSERT_EQ(reports.size(), 2u);  // one line per rule and host
  EXPECT_EQ(reports[0].host_id, "noisy");
  EXPECT_EQ(reports[0].suppressed, 48u);
  EXPECT_EQ(reports[1].host_id, "quiet");
  EXPECT_EQ(reports[1].suppressed, 1u);
}

TEST(AlertLimiterTest, AHostsEndedWindowIsReportedEvenIfThatHostNeverAlertsAgain) {
  AlertLimiter limiter(1, 1000);
  std::vector<SuppressionReport> reports;
  limiter.Admit(AlertAt("r", 0, "noisy"), reports);
  limiter.Admit(AlertAt("r", 10, "noisy"), reports);
  limiter.Admit(AlertAt("r", 500, "other"), reports);
  EXPECT_TRUE(reports.empty());  // the noisy host's window is still open
  limiter.Admit(AlertAt("r", 1000, "other"), reports);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].host_id, "noisy");
  EXPECT_EQ(reports[0].suppressed, 1u);
  reports.clear();
  limiter.Flush(reports);
  ASSERT_EQ(reports.size(), 1u);  // the noisy host's suppression is reported once
  EXPECT_EQ(reports[0].host_id, "other");
}

TEST(AlertLimiterTest, WindowsStayBoundedAndForgottenOnesAreReportedFirst) {
  AlertLimiter limiter(1, 1000000, /*max_windows=*/64);
  std::vector<SuppressionReport> reports;
  limiter.Admit(AlertAt("r", 0, "first"), reports);
  limiter.Admit(AlertAt("r", 1, "first"), reports);  // suppressed
  for (int i = 0; i < 10000; ++i) {
    limiter.Admit(AlertAt("r", 2 + i, "h" + std::to_string(i)), reports);
    ASSERT_LE(limiter.windows(), 64u);
  }
  ASSERT_EQ(reports.size(), 1u);  // nothing disappears silently
  EXPECT_EQ(reports[0].host_id, "first");
  EXPECT_EQ(reports[0].suppressed, 1u);
  // Recently used windows are kept: their budget is still spent.
  EXPECT_FALSE(limiter.Admit(AlertAt("r", 20000, "h9999"), reports));
}

}  // namespace
}  // namespace imds
