#include "input/record_filter.h"

#include <algorithm>

namespace imds {

namespace {

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

}  // namespace

bool RecordFilter::IsDroppedEvent(uint64_t key) const {
  return std::find(dropped_events_.begin(), dropped_events_.end(), key) != dropped_events_.end();
}

void RecordFilter::RememberDroppedEvent(uint64_t key) {
  dropped_events_[next_slot_] = key;
  next_slot_ = (next_slot_ + 1) % dropped_events_.size();
}

bool RecordFilter::Keep(std::string_view line) {
  std::string_view node;
  if (line.substr(0, 5) == "node=") {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return true;
    node = line.substr(5, space - 5);
    line.remove_prefix(space + 1);
  }
  // type=T msg=audit(STAMP): body
  const size_t type_end = line.find(' ');
  const size_t stamp_begin = line.find('(');
  const size_t stamp_end = line.find(')');
  if (line.substr(0, 5) != "type=" || type_end == std::string_view::npos || stamp_begin == std::string_view::npos ||
      stamp_end == std::string_view::npos || stamp_end < stamp_begin) {
    return true;
  }
  const std::string_view type = line.substr(5, type_end - 5);
  const std::string_view stamp = line.substr(stamp_begin + 1, stamp_end - stamp_begin - 1);
  const std::string_view body = line.substr(stamp_end + 1);

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
  if (!IsNeededRecordType(type) || IsDroppedEvent(EventKey(node, stamp))) {
    ++dropped_;
    return false;
  }
  return true;
}

}  // namespace imds
