#include "input/record_filter.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>

namespace imds {

namespace {

bool ConsumeLiteral(std::string_view& s, std::string_view literal) {
  if (s.substr(0, literal.size()) != literal) return false;
  s.remove_prefix(literal.size());
  return true;
}

// One or more printable characters other than space (a node name, a record
// type). A control byte here, such as the ENRICHED separator 0x1d, would make
// auparse split the record inside its header.
bool ConsumeToken(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && s[n] > ' ' && s[n] <= '~') ++n;
  if (n == 0) return false;
  s.remove_prefix(n);
  return true;
}

bool ConsumeSpaces(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && s[n] == ' ') ++n;
  s.remove_prefix(n);
  return n > 0;
}

bool ConsumeDigits(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && n < 20 && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0) return false;
  s.remove_prefix(n);
  return true;
}

// FNV-1a over the node name and the audit stamp: the identity of one event.
// Zero is reserved for empty slots.
uint64_t EventKey(std::string_view node, std::string_view stamp) {
  uint64_t h = 1469598103934665603ull;
  for (std::string_view part : {node, std::string_view("\0", 1), stamp}) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 1099511628211ull;
    }
  }
  return h == 0 ? 1 : h;
}

bool IsNeededRecordType(std::string_view type) {
  return type == "EXECVE" || type == "CWD" || type == "PATH" || type == "SOCKADDR" || type == "PROCTITLE" ||
         type == "EOE";
}

// The value of the first `key` (e.g. " arch=") in `body`, up to a space.
std::string_view FirstValue(std::string_view body, std::string_view key) {
  const size_t at = body.find(key);
  if (at == std::string_view::npos) return {};
  std::string_view rest = body.substr(at + key.size());
  return rest.substr(0, std::min(rest.find(' '), rest.size()));
}

bool ParseNumber(std::string_view text, int base, uint64_t& out) {
  if (text.empty() || text.size() > 16) return false;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  out = v;
  return true;
}

// A PATH record past the two an exec is judged by (item 0: the file handed
// to execve; item 1: a script's interpreter, or a binary's ELF loader). The
// kernel writes "item=N" first; anything else is kept.
bool IsPathItemBeyondInterpreter(std::string_view body) {
  std::string_view s = body;
  if (!ConsumeLiteral(s, ": item=")) return false;
  const std::string_view digits = s;
  if (!ConsumeDigits(s) || (!s.empty() && s[0] != ' ')) return false;
  const std::string_view item = digits.substr(0, digits.size() - s.size());
  return item != "0" && item != "1";
}

}  // namespace

std::string_view WithoutEnrichment(std::string_view line) {
  const void* separator = std::memchr(line.data(), '\x1d', line.size());
  if (separator == nullptr) return line;
  return line.substr(0, static_cast<size_t>(static_cast<const char*>(separator) - line.data()));
}

std::optional<RecordHeader> ParseRecordHeader(std::string_view line) {
  // libauparse works on C strings: a NUL would cut the record short.
  if (line.find('\0') != std::string_view::npos) return std::nullopt;
  RecordHeader h;
  std::string_view s = line;
  if (ConsumeLiteral(s, "node=")) {
    const std::string_view rest = s;
    if (!ConsumeToken(s)) return std::nullopt;
    h.node = rest.substr(0, rest.size() - s.size());
    if (h.node.size() > kMaxNodeNameBytes || !ConsumeSpaces(s)) return std::nullopt;
  }
  if (!ConsumeLiteral(s, "type=")) return std::nullopt;
  const std::string_view type_at = s;
  if (!ConsumeToken(s)) return std::nullopt;
  h.type = type_at.substr(0, type_at.size() - s.size());
  if (!ConsumeSpaces(s) || !ConsumeLiteral(s, "msg=audit(")) return std::nullopt;
  const std::string_view stamp_at = s;
  if (!(ConsumeDigits(s) && ConsumeLiteral(s, ".") && ConsumeDigits(s) && ConsumeLiteral(s, ":") &&
        ConsumeDigits(s))) {
    return std::nullopt;
  }
  h.stamp = stamp_at.substr(0, stamp_at.size() - s.size());
  if (!ConsumeLiteral(s, ")")) return std::nullopt;
  h.body = s;
  // libauparse 3.0.9 leaks the first value of a CWD record with two cwd=
  // fields (docs/security.md, F1). The kernel writes one (a value holding a
  // space or quote is hex), so a second one is forged input.
  if (h.type == "CWD") {
    const size_t first = h.body.find(" cwd=");
    if (first != std::string_view::npos && h.body.find(" cwd=", first + 1) != std::string_view::npos) {
      return std::nullopt;
    }
  }
  return h;
}

bool RecordFilter::IsDroppedEvent(uint64_t key) const {
  return std::find(dropped_events_.begin(), dropped_events_.end(), key) != dropped_events_.end();
}

void RecordFilter::RememberDroppedEvent(uint64_t key) {
  dropped_events_[next_slot_] = key;
  next_slot_ = (next_slot_ + 1) % dropped_events_.size();
}

bool RecordFilter::Keep(std::string_view line) {
  const std::optional<RecordHeader> header = ParseRecordHeader(line);
  return !header || Keep(*header);
}

bool RecordFilter::Keep(const RecordHeader& header) {
  const std::string_view node = header.node;
  const std::string_view type = header.type;
  const std::string_view stamp = header.stamp;
  const std::string_view body = header.body;
  if (type == "SYSCALL") {
    uint64_t arch = 0;
    uint64_t number = 0;
    // arch= and syscall= are the kernel's first fields, ahead of anything a
    // process controls (comm=, exe=), so their first occurrence is theirs.
    if (!ParseNumber(FirstValue(body, " arch="), 16, arch) ||
        !ParseNumber(FirstValue(body, " syscall="), 10, number) || arch > 0xffffffffull) {
      return true;
    }
    if (classifier_.Classify(static_cast<uint32_t>(arch), static_cast<int64_t>(number)) != SyscallKind::kOther) {
      return true;
    }
    RememberDroppedEvent(EventKey(node, stamp));
    ++dropped_;
    return false;
  }
  if (!IsNeededRecordType(type) || IsDroppedEvent(EventKey(node, stamp)) ||
      (type == "PATH" && IsPathItemBeyondInterpreter(body))) {
    ++dropped_;
    return false;
  }
  return true;
}

}  // namespace imds
