#include "rule/wildcard.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace imds {
namespace {

bool Match(std::string_view pattern, std::string_view text) {
  return WildcardPattern(pattern).Matches(text);
}

TEST(WildcardTest, StarMatchesAnyRunIncludingSlashesAndNothing) {
  EXPECT_TRUE(Match("/tmp/*", "/tmp/a/b/c"));
  EXPECT_TRUE(Match("/tmp/*", "/tmp/"));
  EXPECT_FALSE(Match("/tmp/*", "/tmp"));
  EXPECT_TRUE(Match("/etc/rc*.d/*", "/etc/rc3.d/S01x"));
  EXPECT_TRUE(Match("/etc/rc*.d/*", "/etc/rc.d/x"));
  EXPECT_FALSE(Match("/etc/rc*.d/*", "/etc/rc3.x/S01x"));
  EXPECT_TRUE(Match("*", ""));
  EXPECT_TRUE(Match("**", "anything"));
}

TEST(WildcardTest, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(Match("c?rl", "curl"));
  EXPECT_FALSE(Match("c?rl", "crl"));
  EXPECT_FALSE(Match("c?rl", "cuurl"));
  EXPECT_TRUE(Match("?", "x"));
  EXPECT_FALSE(Match("?", ""));
  EXPECT_TRUE(Match("*?", "x"));
  EXPECT_FALSE(Match("*?", ""));
}

TEST(WildcardTest, QuestionMarkTakesAWholeUtf8CharacterButAnyStrayByte) {
  EXPECT_TRUE(Match("caf?", "caf\xC3\xA9"));        // é is one character
  EXPECT_FALSE(Match("caf??", "caf\xC3\xA9"));
  EXPECT_TRUE(Match("caf?", "caf\xA9"));            // lone continuation byte
  EXPECT_TRUE(Match("caf??", "caf\xC3" "x"));        // truncated sequence: two bytes
  EXPECT_TRUE(Match("*??", "\xC3\xA9\xC3\xA9"));
  EXPECT_FALSE(Match("*???", "\xC3\xA9\xC3\xA9"));
}

TEST(WildcardTest, ComparisonFoldsAsciiCaseOnly) {
  EXPECT_TRUE(Match("CURL", "curl"));
  EXPECT_TRUE(Match("curl", "CuRl"));
  EXPECT_TRUE(Match("/TMP/*", "/tmp/x"));
  EXPECT_TRUE(Match("*Metadata:TRUE*", "-H metadata:true"));
  EXPECT_TRUE(Match("Caf?", "cAF\xC3\xA9"));
  // Non-ASCII bytes compare exactly: É (C3 89) is not é (C3 A9).
  EXPECT_FALSE(Match("caf\xC3\x89", "caf\xC3\xA9"));
  // Folding must not make '[' (0x5B) equal '{' (0x7B) or similar.
  EXPECT_FALSE(Match("[", "{"));
  EXPECT_FALSE(Match("@", "`"));
}

TEST(WildcardTest, LiteralPatternIsWholeStringEqualityIgnoringCase) {
  EXPECT_EQ(WildcardPattern("curl").kind(), WildcardPattern::Kind::kLiteral);
  EXPECT_TRUE(Match("curl", "curl"));
  EXPECT_FALSE(Match("curl", "curl2"));
  EXPECT_FALSE(Match("curl", "xcurl"));
  EXPECT_TRUE(Match("", ""));
  EXPECT_FALSE(Match("", "x"));
}

TEST(WildcardTest, FastPathsAreChosenForTheCommonShapes) {
  EXPECT_EQ(WildcardPattern("python*").kind(), WildcardPattern::Kind::kPrefix);
  EXPECT_EQ(WildcardPattern("*.sh").kind(), WildcardPattern::Kind::kSuffix);
  EXPECT_EQ(WildcardPattern("*169.254.169.254*").kind(), WildcardPattern::Kind::kContains);
  EXPECT_EQ(WildcardPattern("***").kind(), WildcardPattern::Kind::kAnything);
  EXPECT_EQ(WildcardPattern("/etc/rc*.d/*").kind(), WildcardPattern::Kind::kGeneral);
  EXPECT_EQ(WildcardPattern("py?hon*").kind(), WildcardPattern::Kind::kGeneral);

  EXPECT_TRUE(Match("python*", "Python3.11"));
  EXPECT_FALSE(Match("python*", "pytho"));
  EXPECT_TRUE(Match("*.SH", "/tmp/run.sh"));
  EXPECT_FALSE(Match("*.sh", "sh"));
  EXPECT_TRUE(Match("*169.254.169.254*", "curl http://169.254.169.254/latest"));
  EXPECT_TRUE(Match("*169.254.169.254*", "169.254.169.254"));
  EXPECT_FALSE(Match("*169.254.169.254*", "169.254.169.25"));
}

TEST(WildcardTest, ContainsFindsMatchesAfterPartialOverlaps) {
  // The KMP fall-back must not skip a match that starts inside a failed one.
  EXPECT_TRUE(Match("*aab*", "aaab"));
  EXPECT_TRUE(Match("*abab*", "abaabab"));
  EXPECT_TRUE(Match("*ababc*", "ababababc"));
  EXPECT_FALSE(Match("*ababc*", "abababab"));
}

TEST(WildcardTest, WorksOnBinaryInputWithNulBytes) {
  const std::string text("ab\0cd\xFF\xFE", 7);
  EXPECT_TRUE(Match("*cd*", text));
  EXPECT_TRUE(Match(std::string("ab\0*", 4), text));
  EXPECT_TRUE(Match("ab?cd*", text));
  EXPECT_FALSE(Match("abcd*", text));
  EXPECT_TRUE(Match("*\xFE", text));
}

// Exponential backtracking would never finish these on 1 MiB; the matcher's
// cost is bounded by pattern length x text length. (Speed itself is measured
// in bench/, not asserted here.)
TEST(WildcardTest, PathologicalPatternsOnAMegabyteGiveCorrectAnswers) {
  const std::string as(1 << 20, 'a');
  EXPECT_FALSE(Match("*a*a*a*a*a*b", as));
  EXPECT_TRUE(Match("*a*a*a*a*a*a", as));
  EXPECT_FALSE(Match("*aaaaaaaaaaaaaaaaaaaab*", as));
  EXPECT_FALSE(Match("*a?a?a?a?b", as));
}

// Obvious, slow reference: ASCII only, so '?' is one byte.
bool Reference(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') {
    for (size_t i = 0; i <= t.size(); ++i) {
      if (Reference(p.substr(1), t.substr(i))) return true;
    }
    return false;
  }
  if (t.empty()) return false;
  auto fold = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  if (p[0] != '?' && fold(p[0]) != fold(t[0])) return false;
  return Reference(p.substr(1), t.substr(1));
}

TEST(WildcardTest, AgreesWithAReferenceMatcherOnRandomInputs) {
  std::mt19937 rng(12345);
  const std::string pattern_alphabet = "aAb/*?";
  const std::string text_alphabet = "aAbB/";
  for (int round = 0; round < 50000; ++round) {
    std::string pattern;
    std::string text;
    const int plen = static_cast<int>(rng() % 8);
    const int tlen = static_cast<int>(rng() % 11);
    for (int i = 0; i < plen; ++i) pattern += pattern_alphabet[rng() % pattern_alphabet.size()];
    for (int i = 0; i < tlen; ++i) text += text_alphabet[rng() % text_alphabet.size()];
    ASSERT_EQ(Match(pattern, text), Reference(pattern, text))
        << "pattern \"" << pattern << "\" text \"" << text << "\"";
  }
}

TEST(WildcardTest, KeepsThePatternAsWritten) {
  EXPECT_EQ(WildcardPattern("/TMP/**").pattern(), "/TMP/**");
}

}  // namespace
}  // namespace imds
