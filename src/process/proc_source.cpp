#include "process/proc_source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "event/exec_image.h"

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

std::string ReadLink(const std::string& path) {
  char target[PATH_MAX];
  const ssize_t len = readlink(path.c_str(), target, sizeof(target));
  if (len <= 0 || static_cast<size_t>(len) >= sizeof(target)) return std::string();
  return std::string(target, static_cast<size_t>(len));
}

bool StartsWithShebang(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return false;
  char head[2] = {0, 0};
  ssize_t got;
  do {
    got = read(fd, head, sizeof(head));
  } while (got < 0 && errno == EINTR);
  close(fd);
  return got == 2 && head[0] == '#' && head[1] == '!';
}

// The `#!` script a process runs, when its exe is the interpreter
// (process.executable names the script, as for an exec event).
std::optional<std::string> RunningScript(const std::string& dir, const std::string& exe) {
  const std::optional<std::string> comm = ReadSmallFile(dir + "/comm");
  if (!comm) return std::nullopt;
  const std::string_view name = Trim(*comm);
  const size_t slash = exe.rfind('/');
  if (name == std::string_view(exe).substr(slash == std::string::npos ? 0 : slash + 1).substr(0, 15)) {
    return std::nullopt;  // the common case: comm is the binary's own name
  }
  const std::optional<std::string> cmdline = ReadSmallFile(dir + "/cmdline");
  if (!cmdline) return std::nullopt;
  std::vector<std::string> args;
  for (size_t at = 0; at < cmdline->size() && args.size() < 3;) {
    const size_t end = std::min(cmdline->find('\0', at), cmdline->size());
    args.emplace_back(*cmdline, at, end - at);
    at = end + 1;
  }
  std::optional<std::string> script = ScriptCandidateFromProc(exe, args, name, ReadLink(dir + "/cwd"));
  if (!script || !StartsWithShebang(*script)) return std::nullopt;
  return script;
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

  info.executable = ReadLink(dir + "/exe");
  if (!info.executable.empty()) {
    if (std::optional<std::string> script = RunningScript(dir, info.executable)) {
      info.interpreter = std::move(info.executable);
      info.executable = std::move(*script);
    }
  }

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
