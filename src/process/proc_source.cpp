#include "process/proc_source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace imds {

namespace {

constexpr int64_t kUnsetSession = 4294967295;

std::optional<int64_t> ParseNonNegative(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

// Small procfs files only; procfs reports size 0, so read until EOF.
std::optional<std::string> ReadSmallFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string content;
  char buf[1024];
  while (content.size() < 64 * 1024) {
    const ssize_t got = read(fd, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    content.append(buf, static_cast<size_t>(got));
  }
  close(fd);
  return content;
}

}  // namespace

std::optional<StatFields> ParseProcStat(std::string_view line) {
  const size_t open_paren = line.find('(');
  const size_t close_paren = line.rfind(')');
  if (open_paren == std::string_view::npos || close_paren == std::string_view::npos ||
      close_paren < open_paren) {
    return std::nullopt;
  }
  StatFields out;
  const std::optional<int64_t> pid = ParseNonNegative(Trim(line.substr(0, open_paren)));
  if (!pid) return std::nullopt;
  out.pid = *pid;

  // Fields after comm, 1-based in proc(5): state is field 3, ppid 4,
  // starttime 22. Token i after ')' is field i + 3.
  std::string_view rest = line.substr(close_paren + 1);
  constexpr int kPpidToken = 1;
  constexpr int kStartTimeToken = 19;
  bool have_ppid = false;
  bool have_start = false;
  for (int token = 0; token <= kStartTimeToken; ++token) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) break;
    const size_t end = std::min(rest.find(' '), rest.size());
    const std::string_view value = Trim(rest.substr(0, end));
    if (token == kPpidToken) {
      const std::optional<int64_t> ppid = ParseNonNegative(value);
      if (!ppid) return std::nullopt;
      out.ppid = *ppid;
      have_ppid = true;
    } else if (token == kStartTimeToken) {
      const std::optional<int64_t> start = ParseNonNegative(value);
      if (!start) return std::nullopt;
      out.start_time = static_cast<uint64_t>(*start);
      have_start = true;
    }
    rest.remove_prefix(end);
  }
  if (!have_ppid || !have_start) return std::nullopt;
  return out;
}

LinuxProcSource::LinuxProcSource(std::string proc_root) : root_(std::move(proc_root)) {}

std::optional<ProcInfo> LinuxProcSource::Lookup(int64_t pid) {
  if (pid <= 0) return std::nullopt;
  const std::string dir = root_ + "/" + std::to_string(pid);
  const std::optional<std::string> stat = ReadSmallFile(dir + "/stat");
  if (!stat) return std::nullopt;
  const std::optional<StatFields> fields = ParseProcStat(*stat);
  if (!fields || fields->pid != pid) return std::nullopt;

  ProcInfo info;
  info.pid = pid;
  info.ppid = fields->ppid;
  info.start_time = fields->start_time;

  char target[PATH_MAX];
  const ssize_t len = readlink((dir + "/exe").c_str(), target, sizeof(target));
  if (len > 0 && static_cast<size_t>(len) < sizeof(target)) info.executable.assign(target, static_cast<size_t>(len));

  if (const std::optional<std::string> ses = ReadSmallFile(dir + "/sessionid")) {
    if (auto id = ParseNonNegative(Trim(*ses)); id && *id != kUnsetSession) info.session_id = id;
  }
  return info;
}

std::vector<ProcInfo> LinuxProcSource::List() {
  std::vector<ProcInfo> out;
  DIR* dir = opendir(root_.c_str());
  if (dir == nullptr) return out;
  while (const dirent* entry = readdir(dir)) {
    const std::optional<int64_t> pid = ParseNonNegative(entry->d_name);
    if (!pid) continue;
    // A process may exit between readdir and Lookup: then it is skipped.
    if (std::optional<ProcInfo> info = Lookup(*pid)) out.push_back(std::move(*info));
  }
  closedir(dir);
  return out;
}

}  // namespace imds
