#include "app/alert_limiter.h"

#include <gtest/gtest.h>

namespace imds {
namespace {

Alert AlertAt(const std::string& rule_id, int64_t ms) {
  Alert a;
  a.rule.id = rule_id;
  a.rule.name = "rule " + rule_id;
  EcsEvent e;
  e.stamp.seconds = ms / 1000;
  e.stamp.millis = static_cast<uint32_t>(ms % 1000);
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
  EXPECT_EQ(reports[0].suppressed, 7u);
  EXPECT_EQ(reports[0].window_start_ms, 1000);
  EXPECT_EQ(reports[0].window_end_ms, 1009);
  EXPECT_NE(reports[0].ToString().find("suppressed 7 alert(s) of rule r"), std::string::npos);
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

}  // namespace
}  // namespace imds
