#include "rule/wildcard.h"

#include <cstring>

namespace imds {

namespace {

inline unsigned char Fold(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

// Length of the character starting at text[i]: a structurally valid UTF-8
// sequence counts as one character (as EQL, which works on Unicode strings,
// would see it); any other byte is a character on its own.
size_t CharLength(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t len = 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
  }
  if (len == 1 || i + len > text.size()) return 1;
  for (size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return len;
}

// folded_literal is already lower-cased.
bool EqualsFolded(std::string_view text, std::string_view folded_literal) {
  if (text.size() != folded_literal.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (Fold(static_cast<unsigned char>(text[i])) !=
        static_cast<unsigned char>(folded_literal[i])) {
      return false;
    }
  }
  return true;
}

// First index >= from whose folded byte is `folded`, or npos. Candidate
// positions are found with memchr where case does not matter: most bytes of
// a command line are skipped without running the matcher at all.
size_t FindFolded(std::string_view text, size_t from, unsigned char folded) {
  if (from >= text.size()) return std::string_view::npos;
  if (folded < 'a' || folded > 'z') {
    const void* hit = std::memchr(text.data() + from, folded, text.size() - from);
    return hit == nullptr ? std::string_view::npos
                          : static_cast<size_t>(static_cast<const char*>(hit) - text.data());
  }
  for (size_t i = from; i < text.size(); ++i) {
    if (Fold(static_cast<unsigned char>(text[i])) == folded) return i;
  }
  return std::string_view::npos;
}

}  // namespace

WildcardPattern::WildcardPattern(std::string_view pattern) : pattern_(pattern) {
  // Collapse runs of '*': "a**b" and "a*b" match the same texts, and the
  // classification below only has to look at single stars.
  std::string collapsed;
  collapsed.reserve(pattern.size());
  for (char c : pattern) {
    if (c == '*' && !collapsed.empty() && collapsed.back() == '*') continue;
    collapsed.push_back(static_cast<char>(Fold(static_cast<unsigned char>(c))));
  }

  size_t stars = 0;
  bool has_question = false;
  for (char c : collapsed) {
    if (c == '*') ++stars;
    if (c == '?') has_question = true;
  }
  const bool leading = !collapsed.empty() && collapsed.front() == '*';
  const bool trailing = !collapsed.empty() && collapsed.back() == '*';

  if (has_question) {
    kind_ = Kind::kGeneral;
    folded_ = collapsed;
  } else if (stars == 0) {
    kind_ = Kind::kLiteral;
    folded_ = collapsed;
  } else if (collapsed == "*") {
    kind_ = Kind::kAnything;
  } else if (stars == 1 && trailing) {
    kind_ = Kind::kPrefix;
    folded_ = collapsed.substr(0, collapsed.size() - 1);
  } else if (stars == 1 && leading) {
    kind_ = Kind::kSuffix;
    folded_ = collapsed.substr(1);
  } else if (stars == 2 && leading && trailing) {
    kind_ = Kind::kContains;
    folded_ = collapsed.substr(1, collapsed.size() - 2);
    failure_.assign(folded_.size(), 0);
    uint32_t k = 0;
    for (size_t i = 1; i < folded_.size(); ++i) {
      while (k > 0 && folded_[i] != folded_[k]) k = failure_[k - 1];
      if (folded_[i] == folded_[k]) ++k;
      failure_[i] = k;
    }
  } else {
    kind_ = Kind::kGeneral;
    folded_ = collapsed;
  }
}

bool WildcardPattern::Matches(std::string_view text) const {
  switch (kind_) {
    case Kind::kLiteral:
      return EqualsFolded(text, folded_);
    case Kind::kAnything:
      return true;
    case Kind::kPrefix:
      return text.size() >= folded_.size() &&
             EqualsFolded(text.substr(0, folded_.size()), folded_);
    case Kind::kSuffix:
      return text.size() >= folded_.size() &&
             EqualsFolded(text.substr(text.size() - folded_.size()), folded_);
    case Kind::kContains:
      return Contains(text);
    case Kind::kGeneral:
      return MatchesGeneral(text);
  }
  return false;
}

bool WildcardPattern::Contains(std::string_view text) const {
  const size_t m = folded_.size();
  if (text.size() < m) return false;
  const auto first = static_cast<unsigned char>(folded_[0]);
  size_t k = 0;  // length of the needle prefix matched so far
  for (size_t i = 0; i < text.size(); ++i) {
    if (k == 0) {
      // Nothing matched yet: jump to the next possible start.
      i = FindFolded(text, i, first);
      if (i == std::string_view::npos) return false;
    }
    const auto c = static_cast<char>(Fold(static_cast<unsigned char>(text[i])));
    while (k > 0 && c != folded_[k]) k = failure_[k - 1];
    if (c == folded_[k]) ++k;
    if (k == m) return true;
  }
  return false;
}

bool WildcardPattern::MatchesGeneral(std::string_view text) const {
  // Greedy matching with a single backtrack point: the most recent '*'. When
  // the rest fails, that star absorbs one more character and the rest is
  // retried. Earlier stars never need revisiting (a later star can absorb
  // whatever they would have), so the cost is bounded by |pattern| * |text|.
  const std::string_view pat = folded_;
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;  // index of the last '*' seen
  size_t resume = 0;                     // text index that star will absorb up to next
  // After a star, positions where the next literal byte cannot match are
  // skipped in one scan. Only ASCII literals: they are always character
  // boundaries, so the star still absorbs whole characters.
  auto skip_to_literal = [&]() {
    const auto next = p < pat.size() ? static_cast<unsigned char>(pat[p]) : 0;
    if (next == 0 || next >= 0x80 || next == '?' || next == '*') return true;
    const size_t found = FindFolded(text, t, next);
    if (found == std::string_view::npos) return false;
    t = resume = found;
    return true;
  };
  while (t < text.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      resume = t;
      if (!skip_to_literal()) return false;
    } else if (p < pat.size() && pat[p] == '?') {
      ++p;
      t += CharLength(text, t);
    } else if (p < pat.size() &&
               static_cast<unsigned char>(pat[p]) == Fold(static_cast<unsigned char>(text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      resume += CharLength(text, resume);
      t = resume;
      if (!skip_to_literal()) return false;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

}  // namespace imds
