// Where the process table learns about processes it never saw exec: /proc
// when running live, a fake in tests, nothing at all when replaying a file.
#ifndef AUDISP_IMDS_PROCESS_PROC_SOURCE_H
#define AUDISP_IMDS_PROCESS_PROC_SOURCE_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imds {

struct ProcInfo {
  int64_t pid = -1;
  int64_t ppid = -1;
  // readlink of exe, or the script for a process running a `#!` script
  // (as process.executable names it); empty when unreadable (kernel
  // thread, no permission).
  std::string executable;
  uint64_t start_time = 0;  // clock ticks since boot (field 22 of /proc/PID/stat)
  std::optional<int64_t> session_id;  // /proc/PID/sessionid; absent when unset
  std::string interpreter;  // the exe of a `#!` script; empty otherwise
};

class ProcSource {
 public:
  virtual ~ProcSource() = default;
  // nullopt when the process does not exist (any more).
  virtual std::optional<ProcInfo> Lookup(int64_t pid) = 0;
  // Every process that exists now.
  virtual std::vector<ProcInfo> List() = 0;
};

// Reads a procfs tree. The root is a parameter so tests can point it at a
// fake tree they build under a temporary directory.
class LinuxProcSource : public ProcSource {
 public:
  explicit LinuxProcSource(std::string proc_root = "/proc");
  std::optional<ProcInfo> Lookup(int64_t pid) override;
  std::vector<ProcInfo> List() override;

 private:
  std::string root_;
};

// Parses the content of /proc/PID/stat into pid, ppid and start time. The
// comm field is in parentheses and may itself contain spaces and ')', so
// fields are counted from the LAST ')'. nullopt when malformed.
struct StatFields {
  int64_t pid = -1;
  int64_t ppid = -1;
  uint64_t start_time = 0;
};
std::optional<StatFields> ParseProcStat(std::string_view stat_line);

}  // namespace imds

#endif  // AUDISP_IMDS_PROCESS_PROC_SOURCE_H
