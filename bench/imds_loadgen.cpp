// imds_loadgen: a deterministic stream of audit records in the form auditd
// hands its plugins (ENRICHED by default), shaped on the real captures in
// tests/data/*.log, for benchmarking audisp-imds against other consumers.
//
//   imds_loadgen [--events N] [--seed S] [--imds-rate R] [--summary FILE] > load.log
//
// The stream (see --help for every knob):
//   * first, the exec events of a pool of interactive shells (the parents of
//     everything that follows; their own parents are never seen, so a shell
//     can never be a suspicious exec itself);
//   * then, by default, 30% exec events (SYSCALL execve + EXECVE with 1-12
//     arguments, those with spaces or quotes hex-encoded as the kernel does,
//     now and then one long argument split over several EXECVE records as
//     aN_len/aN[k] + CWD + two PATH + PROCTITLE + EOE), 30% connect events
//     (SOCKADDR AF_INET 90%, AF_INET6 5%, AF_UNIX 5%) and 40% other syscalls
//     (openat + CWD + PATH + PROCTITLE + EOE);
//   * new pids are allocated the way the kernel does (increasing, wrapping
//     at pid_max = 4194304) with random gaps, so a long stream reuses pids;
//   * at the rate --imds-rate, a shell that just ran something runs
//     `curl http://169.254.169.254/...`
//     and that curl connects to 169.254.169.254:80 a few milliseconds (audit
//     time) later: exactly one alert of the default rule per such pair. Only
//     these connects go to the IMDS address, and no shell has two of them in
//     flight, so the expected alert count is exact; it is written to the
//     summary (alerts_expected=).
// The same seed and options always give the same bytes, and a shorter run is
// a prefix of a longer one (nothing depends on --events but where it stops),
// so "the first 1M events of the 10M run" is exactly the 1M run.
#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace imds_bench {
namespace {

constexpr uint32_t kPidMax = 4194304;  // /proc/sys/kernel/pid_max on 64-bit
constexpr uint32_t kFirstPid = 300;    // below this the kernel does not wrap
constexpr size_t kExecveRecordBudget = 7500;  // MAX_EXECVE_AUDIT_LEN
constexpr size_t kProctitleMax = 128;         // MAX_PROCTITLE_AUDIT_LEN

// xoshiro256**, seeded by splitmix64: portable and fast, unlike the
// implementation-defined std distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& word : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      word = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64); }
  // Uniform in [lo, hi].
  uint64_t Between(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  // True with probability p.
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// An output buffer with the few formatting primitives the records need;
// snprintf would be most of the generator's time.
class Out {
 public:
  explicit Out(FILE* file) : file_(file) { buf_.reserve(kFlushAt + (1u << 20)); }
  ~Out() { Flush(); }
  void Str(std::string_view s) { buf_.append(s.data(), s.size()); }
  void Chr(char c) { buf_.push_back(c); }
  void Dec(uint64_t v) {
    char tmp[24];
    char* p = tmp + sizeof tmp;
    do {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    buf_.append(p, static_cast<size_t>(tmp + sizeof tmp - p));
  }
  void SDec(int64_t v) {
    if (v < 0) {
      Chr('-');
      Dec(static_cast<uint64_t>(-v));
    } else {
      Dec(static_cast<uint64_t>(v));
    }
  }
  void Dec3(uint32_t v) {  // milliseconds: always three digits
    Chr(static_cast<char>('0' + v / 100));
    Chr(static_cast<char>('0' + v / 10 % 10));
    Chr(static_cast<char>('0' + v % 10));
  }
  void LowerHex(uint64_t v) {  // as the kernel prints a0..a3
    static const char kDigits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
      tmp[n++] = kDigits[v & 15];
      v >>= 4;
    } while (v != 0);
    while (n > 0) Chr(tmp[--n]);
  }
  void UpperHexBytes(std::string_view bytes) {  // as audit_log_n_hex
    static const char kDigits[] = "0123456789ABCDEF";
    for (unsigned char c : bytes) {
      Chr(kDigits[c >> 4]);
      Chr(kDigits[c & 15]);
    }
  }
  size_t size() const { return buf_.size(); }
  void MaybeFlush() {
    if (buf_.size() >= kFlushAt) Flush();
  }
  void Flush() {
    if (!buf_.empty() && fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) {
      // A closed pipe (head, a consumer that died) ends the run quietly.
      if (errno != EPIPE) perror("imds_loadgen: write");
      std::exit(errno == EPIPE ? 0 : 1);
    }
    written_ += buf_.size();
    buf_.clear();
  }
  uint64_t written() const { return written_ + buf_.size(); }

 private:
  static constexpr size_t kFlushAt = 1u << 20;
  FILE* file_;
  std::string buf_;
  uint64_t written_ = 0;
};

// The kernel hex-encodes a value holding a quote, a control byte, a space or
// anything above '~' (audit_string_contains_control).
bool NeedsHex(std::string_view s) {
  for (unsigned char c : s) {
    if (c == '"' || c < 0x21 || c > 0x7e) return true;
  }
  return false;
}

struct Options {
  uint64_t events = 200000;
  uint64_t seed = 1;
  double exec_share = 0.30;
  double connect_share = 0.30;
  double imds_rate = 0.001;
  double long_arg_rate = 0.01;
  uint32_t shells = 2000;
  uint32_t pid_step = 64;
  uint32_t audit_rate = 20000;
  uint32_t nodes = 0;
  std::string node;
  bool raw = false;
  int64_t start_seconds = 1795928576;
  std::string summary_path;
  std::string targets_path;
};

struct User {
  uint32_t uid;
  const char* name;
  const char* tty;
};
const User kUsers[] = {{0, "root", "pts0"}, {1000, "alice", "pts1"}, {1001, "bob", "pts2"}, {1002, "carol", "(none)"}};

struct Program {
  const char* exe;
  const char* comm;
};
// What shells run. A few (python3, perl, node, awk) match the rule's
// suspicious-exec stage on their own: they leave sequences pending that no
// connect completes, as on a real machine.
const Program kPrograms[] = {
    {"/usr/bin/ls", "ls"},         {"/usr/bin/grep", "grep"},       {"/usr/bin/sed", "sed"},
    {"/usr/bin/cat", "cat"},       {"/usr/bin/git", "git"},         {"/usr/bin/make", "make"},
    {"/usr/bin/gcc-12", "gcc-12"}, {"/usr/libexec/gcc/x86_64-linux-gnu/12/cc1plus", "cc1plus"},
    {"/usr/bin/as", "as"},         {"/usr/bin/ld.bfd", "ld"},       {"/usr/bin/ssh", "ssh"},
    {"/usr/bin/find", "find"},     {"/usr/bin/xargs", "xargs"},     {"/usr/bin/sort", "sort"},
    {"/usr/bin/tar", "tar"},       {"/usr/bin/gzip", "gzip"},       {"/usr/bin/systemctl", "systemctl"},
    {"/usr/bin/dpkg", "dpkg"},     {"/usr/bin/apt-get", "apt-get"}, {"/usr/bin/vim.basic", "vim"},
    {"/usr/bin/less", "less"},     {"/usr/bin/ps", "ps"},           {"/usr/bin/id", "id"},
    {"/usr/bin/date", "date"},     {"/usr/bin/python3.11", "python3"}, {"/usr/bin/perl", "perl"},
    {"/usr/bin/node", "node"},     {"/usr/bin/gawk", "awk"},        {"/usr/bin/rsync", "rsync"},
    {"/usr/bin/docker", "docker"},
};
constexpr size_t kProgramCount = sizeof kPrograms / sizeof kPrograms[0];

struct Daemon {
  const char* exe;
  const char* comm;
  uint32_t uid;
};
// Long-lived processes that connect and open files but never exec in the
// stream (started before it): their parents are unknown.
const Daemon kDaemons[] = {
    {"/usr/sbin/sshd", "sshd", 0},
    {"/usr/lib/systemd/systemd-resolved", "systemd-resolve", 102},
    {"/usr/sbin/nginx", "nginx", 33},
    {"/usr/lib/postgresql/15/bin/postgres", "postgres", 113},
    {"/usr/sbin/rsyslogd", "rsyslogd", 0},
    {"/usr/bin/containerd", "containerd", 0},
    {"/usr/sbin/chronyd", "chronyd", 110},
    {"/usr/bin/dockerd", "dockerd", 0},
};
constexpr size_t kDaemonCount = sizeof kDaemons / sizeof kDaemons[0];
constexpr uint32_t kDaemonInstances = 64;

const char* const kDirs[] = {"/",      "/root",          "/home/alice",        "/home/alice/src/app",
                             "/tmp",   "/var/log",       "/home/bob/work",     "/srv/www",
                             "/etc",   "/usr/src/linux", "/home/carol/notes",  "/var/lib/docker"};
const char* const kFlags[] = {"-l",      "-a",         "-v",       "-rf",      "-n",     "--color=auto",
                              "-c",      "-o",         "-O2",      "-Wall",    "--quiet", "-j2",
                              "--",      "-e",         "-x",       "--force",  "-p",     "--since=2h"};
const char* const kPhrases[] = {"fix the empty case",   "hello world",        "*.c *.h",
                                "release notes v2",     "it's \"quoted\"",    "a b c",
                                "WIP: do not merge",    "select * from t;",   "tab\there"};
const char* const kOpenPaths[] = {"/etc/ld.so.cache",        "/lib/x86_64-linux-gnu/libc.so.6",
                                  "/etc/passwd",             "/etc/nsswitch.conf",
                                  "/usr/lib/locale/locale-archive", "/proc/self/status",
                                  "/var/log/syslog",         "/etc/hosts",
                                  "/usr/share/zoneinfo/UTC", "/etc/resolv.conf"};

template <typename T, size_t N>
constexpr size_t CountOf(const T (&)[N]) {
  return N;
}

// One process the generator remembers, to make it connect or open files.
struct Proc {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint16_t user = 0;
  uint16_t node = 0;
  uint32_t session = 0;
  uint32_t uid = 0;
  std::string exe;
  std::string comm;
  std::string proctitle;  // the PROCTITLE value as logged (hex or quoted)
};

struct PendingConnect {
  uint64_t due_ms;
  uint32_t shell;  // index into shells
  uint32_t pid;
  uint64_t exec_serial;
  bool operator>(const PendingConnect& o) const { return due_ms > o.due_ms; }
};

struct Counts {
  uint64_t events = 0, shells = 0, exec = 0, connect = 0, connect_inet = 0, connect_inet6 = 0, connect_unix = 0,
           other = 0, split_args = 0, hex_args = 0, targets_exec = 0, targets_connect = 0, pid_wraps = 0;
};

class Generator {
 public:
  Generator(const Options& options, Out& out, FILE* targets)
      : o_(options), out_(out), rng_(options.seed), targets_(targets) {
    if (!o_.node.empty()) node_names_.push_back(o_.node);
    for (uint32_t i = 0; i < o_.nodes; ++i) {
      char name[32];
      snprintf(name, sizeof name, "node-%02u", i);
      node_names_.push_back(name);
    }
    start_ms_ = static_cast<uint64_t>(o_.start_seconds) * 1000;
    // Shells and daemons get pids scattered over the whole space; children
    // are allocated around them.
    while (reserved_.size() < o_.shells + kDaemonInstances) {
      reserved_.insert(static_cast<uint32_t>(rng_.Between(kFirstPid, kPidMax - 1)));
    }
    std::vector<uint32_t> pids(reserved_.begin(), reserved_.end());
    std::sort(pids.begin(), pids.end());
    for (size_t i = pids.size(); i > 1; --i) std::swap(pids[i - 1], pids[rng_.Below(i)]);
    for (uint32_t i = 0; i < kDaemonInstances; ++i) {
      Proc d;
      const Daemon& k = kDaemons[i % kDaemonCount];
      d.pid = pids[o_.shells + i];
      d.ppid = 1;
      d.user = 0;
      d.node = NodeCount() ? static_cast<uint16_t>(i % NodeCount()) : 0;
      d.session = 0;  // unset: 4294967295
      d.exe = k.exe;
      d.comm = k.comm;
      d.proctitle = Proctitle({k.exe});
      d.uid = k.uid;
      daemons_.push_back(std::move(d));
    }
    shells_.resize(o_.shells);
    for (uint32_t i = 0; i < o_.shells; ++i) {
      Proc& s = shells_[i];
      s.pid = pids[i];
      s.ppid = static_cast<uint32_t>(rng_.Between(2, 4000));  // sshd/tmux session, never seen
      s.user = static_cast<uint16_t>(rng_.Below(CountOf(kUsers)));
      s.uid = kUsers[s.user].uid;
      s.node = NodeCount() ? static_cast<uint16_t>(i % NodeCount()) : 0;
      s.session = i + 1;
      s.exe = "/usr/bin/bash";
      s.comm = "bash";
      s.proctitle = Proctitle({"-bash"});
    }
    shell_busy_.assign(o_.shells, false);
    shell_last_used_.assign(o_.shells, 0);
    next_pid_ = static_cast<uint32_t>(rng_.Between(kFirstPid, kPidMax - 1));
    recent_.resize(kRecent);
  }

  void Run() {
    for (uint64_t i = 0; i < o_.events; ++i) {
      event_index_ = i;
      now_ms_ = start_ms_ + i * 1000 / o_.audit_rate;
      ++serial_;
      if (i < o_.shells) {
        ShellExec(i);
      } else if (!pending_.empty() && pending_.top().due_ms <= now_ms_) {
        const PendingConnect p = pending_.top();
        pending_.pop();
        TargetConnect(p);
      } else if (rng_.Chance(o_.imds_rate) && TargetExec()) {
        // emitted
      } else {
        const double r = static_cast<double>(rng_.Next() >> 11) * 0x1.0p-53;
        if (r < o_.exec_share) {
          Exec();
        } else if (r < o_.exec_share + o_.connect_share) {
          Connect();
        } else {
          Openat();
        }
      }
      ++counts_.events;
      out_.MaybeFlush();
    }
  }

  const Counts& counts() const { return counts_; }
  uint64_t pending_targets() const { return pending_.size(); }

 private:
  static constexpr size_t kRecent = 4096;
  static constexpr size_t kActiveShells = 256;  // the last shells that ran a child
  static constexpr uint64_t kShellIdleEvents = 12000;

  size_t NodeCount() const { return node_names_.size(); }

  static std::string Proctitle(const std::vector<std::string>& args) {
    std::string raw;
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) raw.push_back('\0');
      raw += args[i];
    }
    if (raw.size() > kProctitleMax) raw.resize(kProctitleMax);
    if (!NeedsHex(raw)) return "\"" + raw + "\"";
    static const char kDigits[] = "0123456789ABCDEF";
    std::string hex;
    for (unsigned char c : raw) {
      hex.push_back(kDigits[c >> 4]);
      hex.push_back(kDigits[c & 15]);
    }
    return hex;
  }

  uint32_t AllocatePid() {
    do {
      const uint32_t step = static_cast<uint32_t>(rng_.Between(1, 2 * static_cast<uint64_t>(o_.pid_step) - 1));
      next_pid_ += step;
      if (next_pid_ >= kPidMax) {
        next_pid_ = kFirstPid + (next_pid_ - kPidMax);
        ++counts_.pid_wraps;
      }
    } while (reserved_.count(next_pid_) != 0);
    return next_pid_;
  }

  // "[node=NAME ]type=TYPE msg=audit(S.MMM:SERIAL): "; an ENRICHED EOE
  // record ends at the colon.
  void Header(const Proc& p, const char* type, bool space = true) {
    if (NodeCount()) {
      out_.Str("node=");
      out_.Str(node_names_[p.node]);
      out_.Chr(' ');
    }
    out_.Str("type=");
    out_.Str(type);
    out_.Str(" msg=audit(");
    out_.Dec(now_ms_ / 1000);
    out_.Chr('.');
    out_.Dec3(static_cast<uint32_t>(now_ms_ % 1000));
    out_.Chr(':');
    out_.Dec(serial_);
    out_.Str(space ? "): " : "):");
  }

  void Enriched() { out_.Chr('\x1d'); }

  void Syscall(const Proc& p, uint32_t uid, int number, const char* name, bool success, int64_t exit_code,
               uint64_t a2, int items, const char* key) {
    Header(p, "SYSCALL");
    out_.Str("arch=c000003e syscall=");
    out_.Dec(static_cast<uint64_t>(number));
    out_.Str(success ? " success=yes exit=" : " success=no exit=");
    out_.SDec(exit_code);
    out_.Str(" a0=");
    out_.LowerHex(rng_.Next() >> 16);
    out_.Str(" a1=");
    out_.LowerHex(rng_.Next() >> 16);
    out_.Str(" a2=");
    out_.LowerHex(a2);
    out_.Str(" a3=");
    out_.LowerHex(rng_.Next() >> 32);
    out_.Str(" items=");
    out_.Dec(static_cast<uint64_t>(items));
    out_.Str(" ppid=");
    out_.Dec(p.ppid);
    out_.Str(" pid=");
    out_.Dec(p.pid);
    const User& u = kUsers[p.user];
    const uint32_t auid = p.session ? u.uid : 4294967295u;
    out_.Str(" auid=");
    out_.Dec(auid);
    static const char* const kIds[] = {" uid=", " gid=", " euid=", " suid=", " fsuid=", " egid=", " sgid=", " fsgid="};
    for (const char* id : kIds) {
      out_.Str(id);
      out_.Dec(uid);
    }
    out_.Str(" tty=");
    out_.Str(p.session ? u.tty : "(none)");
    out_.Str(" ses=");
    out_.Dec(p.session ? p.session : 4294967295u);
    out_.Str(" comm=\"");
    out_.Str(p.comm);
    out_.Str("\" exe=\"");
    out_.Str(p.exe);
    out_.Str("\" key=");
    if (key) {
      out_.Chr('"');
      out_.Str(key);
      out_.Chr('"');
    } else {
      out_.Str("(null)");
    }
    if (!o_.raw) {
      Enriched();
      out_.Str("ARCH=x86_64 SYSCALL=");
      out_.Str(name);
      const char* const uname = UserName(uid);
      out_.Str(" AUID=\"");
      out_.Str(p.session ? u.name : "unset");
      static const char* const kNames[] = {"\" UID=\"", "\" GID=\"", "\" EUID=\"", "\" SUID=\"", "\" FSUID=\"",
                                           "\" EGID=\"", "\" SGID=\"", "\" FSGID=\""};
      for (const char* n : kNames) {
        out_.Str(n);
        out_.Str(uname);
      }
      out_.Chr('"');
    }
    out_.Chr('\n');
  }

  static const char* UserName(uint32_t uid) {
    for (const User& u : kUsers) {
      if (u.uid == uid) return u.name;
    }
    switch (uid) {
      case 33: return "www-data";
      case 102: return "systemd-resolve";
      case 110: return "_chrony";
      case 113: return "postgres";
      default: return "unknown";
    }
  }

  void Cwd(const Proc& p, const char* dir) {
    Header(p, "CWD");
    out_.Str("cwd=\"");
    out_.Str(dir);
    out_.Str("\"\n");
  }

  void Path(const Proc& p, int item, const std::string& name, bool exists, const char* mode) {
    Header(p, "PATH");
    out_.Str("item=");
    out_.Dec(static_cast<uint64_t>(item));
    out_.Str(" name=");
    if (NeedsHex(name)) {
      out_.UpperHexBytes(name);
    } else {
      out_.Chr('"');
      out_.Str(name);
      out_.Chr('"');
    }
    if (exists) {
      out_.Str(" inode=");
      out_.Dec(rng_.Between(1000, 40000000));
      out_.Str(" dev=fe:00 mode=");
      out_.Str(mode);
      out_.Str(" ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0");
      if (!o_.raw) {
        Enriched();
        out_.Str("OUID=\"root\" OGID=\"root\"");
      }
    } else {
      out_.Str(" nametype=UNKNOWN cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0");
    }
    out_.Chr('\n');
  }

  void ProctitleRecord(const Proc& p) {
    Header(p, "PROCTITLE");
    out_.Str("proctitle=");
    out_.Str(p.proctitle);
    out_.Chr('\n');
  }

  void Eoe(const Proc& p) {
    Header(p, "EOE", o_.raw);
    out_.Chr('\n');
  }

  // EXECVE records as audit_log_execve_info writes them: each record holds
  // about 7500 characters of arguments; an argument that does not fit what
  // is left is written as aN_len=L then aN[0], aN[1]... chunks, continuing
  // in new EXECVE records (without argc).
  void Execve(const Proc& p, const std::vector<std::string>& args) {
    Header(p, "EXECVE");
    out_.Str("argc=");
    out_.Dec(args.size());
    size_t rem = kExecveRecordBudget;
    auto new_record = [&]() {
      out_.Chr('\n');
      Header(p, "EXECVE");
      out_.Str("");
      rem = kExecveRecordBudget;
    };
    bool first_in_record = true;
    for (size_t n = 0; n < args.size(); ++n) {
      const std::string& a = args[n];
      const bool hex = NeedsHex(a);
      if (hex) ++counts_.hex_args;
      const size_t logged = hex ? a.size() * 2 : a.size() + 2;
      if (logged + 96 <= rem) {
        out_.Str(" a");
        out_.Dec(n);
        out_.Chr('=');
        WriteArg(a, hex);
        rem -= logged + 4;
        first_in_record = false;
        continue;
      }
      ++counts_.split_args;
      size_t off = 0;
      for (uint32_t k = 0; off < a.size(); ++k) {
        if (rem < 96 + 8) {
          new_record();
          first_in_record = true;
        }
        // The first item of a continuation record has no leading space.
        const char* sep = first_in_record && k > 0 ? "" : " ";
        if (k == 0) {
          out_.Str(sep);
          out_.Chr('a');
          out_.Dec(n);
          out_.Str("_len=");
          out_.Dec(logged);
          sep = " ";
          rem -= 16;
        }
        out_.Str(sep);
        out_.Chr('a');
        out_.Dec(n);
        out_.Chr('[');
        out_.Dec(k);
        out_.Str("]=");
        rem -= 12;
        const size_t take = std::min(a.size() - off, hex ? rem / 2 : rem - 2);
        WriteArg(std::string_view(a).substr(off, take), hex);
        rem -= hex ? take * 2 : take + 2;
        off += take;
        first_in_record = false;
      }
    }
    out_.Chr('\n');
  }

  void WriteArg(std::string_view a, bool hex) {
    if (hex) {
      out_.UpperHexBytes(a);
    } else {
      out_.Chr('"');
      out_.Str(a);
      out_.Chr('"');
    }
  }

  std::string RandomArg() {
    char tmp[96];
    switch (rng_.Below(8)) {
      case 0:
      case 1:
      case 2:
        return kFlags[rng_.Below(CountOf(kFlags))];
      case 3:
        snprintf(tmp, sizeof tmp, "/home/alice/src/proj%u/src/file%u.c", static_cast<unsigned>(rng_.Below(50)),
                 static_cast<unsigned>(rng_.Below(1000)));
        return tmp;
      case 4:
        return kOpenPaths[rng_.Below(CountOf(kOpenPaths))];
      case 5:
        snprintf(tmp, sizeof tmp, "https://example.com/api/v%u/items?id=%u", static_cast<unsigned>(rng_.Below(4)),
                 static_cast<unsigned>(rng_.Below(100000)));
        return tmp;
      case 6:
        return kPhrases[rng_.Below(CountOf(kPhrases))];  // mostly hex-encoded
      default:
        snprintf(tmp, sizeof tmp, "%u", static_cast<unsigned>(rng_.Below(100000)));
        return tmp;
    }
  }

  // A -D define list or a base64 blob of 8-20 KB: split over EXECVE records.
  std::string LongArg() {
    const size_t len = rng_.Between(8000, 20000);
    std::string s;
    s.reserve(len);
    const bool spaced = rng_.Chance(0.5);  // with spaces: split *and* hex
    static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    while (s.size() < len) {
      s.push_back(kB64[rng_.Below(64)]);
      if (spaced && rng_.Below(16) == 0) s.push_back(' ');
    }
    return s;
  }

  void ExecRecords(const Proc& p, const std::vector<std::string>& args, const char* cwd, const char* key) {
    Syscall(p, p.uid, 59, "execve", true, 0, rng_.Next() >> 16, 2, key);
    Execve(p, args);
    Cwd(p, cwd);
    Path(p, 0, p.exe, true, "0100755");
    Path(p, 1, "/lib64/ld-linux-x86-64.so.2", true, "0100755");
    ProctitleRecord(p);
    Eoe(p);
    ++counts_.exec;
  }

  void ShellExec(uint64_t i) {
    const Proc& s = shells_[i];
    ExecRecords(s, {"-bash"}, kDirs[1 + rng_.Below(3)], "imds_exec");
    ++counts_.shells;
  }

  void Remember(Proc p) {
    recent_[recent_next_ % kRecent] = std::move(p);
    ++recent_next_;
  }

  // A recently exec'd process (most connects and opens come from one), a
  // daemon, or now and then a shell itself.
  const Proc& SomeProcess() {
    const uint64_t r = rng_.Below(100);
    if (r < 70 && recent_next_ > 0) return recent_[rng_.Below(std::min<uint64_t>(recent_next_, kRecent))];
    if (r < 90) return daemons_[rng_.Below(daemons_.size())];
    return shells_[rng_.Below(shells_.size())];
  }

  void Exec() {
    // Mostly children of a shell; some of another recent child (make -> cc).
    const Proc* parent = nullptr;
    if (recent_next_ > 0 && rng_.Below(5) == 0) {
      parent = &recent_[rng_.Below(std::min<uint64_t>(recent_next_, kRecent))];
    } else {
      uint32_t shell = static_cast<uint32_t>(rng_.Below(shells_.size()));
      // Every shell runs something at least about once a second of audit
      // time (kShellIdleEvents), as on a busy host; then a plugin whose
      // process table holds ~25k entries never forgets a parent shell, and
      // the alert count does not depend on its eviction policy.
      const uint32_t due = static_cast<uint32_t>(sweep_++ % shells_.size());
      if (event_index_ - shell_last_used_[due] > kShellIdleEvents) shell = due;
      shell_last_used_[shell] = event_index_;
      parent = &shells_[shell];
      if (active_shells_.size() < kActiveShells) {
        active_shells_.push_back(shell);
      } else {
        active_shells_[active_next_++ % kActiveShells] = shell;
      }
    }
    const Program& prog = kPrograms[rng_.Below(kProgramCount)];
    Proc p;
    p.pid = AllocatePid();
    p.ppid = parent->pid;
    p.user = parent->user;
    p.uid = parent->uid;
    p.node = parent->node;
    p.session = parent->session;
    p.exe = prog.exe;
    p.comm = prog.comm;
    std::vector<std::string> args;
    const size_t argc = rng_.Between(1, 12);
    args.reserve(argc);
    args.emplace_back(prog.comm);
    const size_t long_at = rng_.Chance(o_.long_arg_rate) && argc > 1 ? rng_.Between(1, argc - 1) : 0;
    for (size_t n = 1; n < argc; ++n) args.push_back(n == long_at ? LongArg() : RandomArg());
    p.proctitle = Proctitle(args);
    ExecRecords(p, args, kDirs[rng_.Below(CountOf(kDirs))], "imds_exec");
    Remember(std::move(p));
  }

  bool TargetExec() {
    // The attacker's shell is one in use: one that just ran something. (A
    // shell idle for long may have left the plugin's bounded process table,
    // which is a property of the table, not what this count checks.)
    if (active_shells_.empty()) return false;
    uint32_t shell = 0;
    bool found = false;
    for (int attempt = 0; attempt < 8 && !found; ++attempt) {
      shell = active_shells_[rng_.Below(active_shells_.size())];
      found = !shell_busy_[shell];
    }
    if (!found) return false;
    const Proc& parent = shells_[shell];
    Proc p;
    p.pid = AllocatePid();
    p.ppid = parent.pid;
    p.user = parent.user;
    p.uid = parent.uid;
    p.node = parent.node;
    p.session = parent.session;
    p.exe = "/usr/bin/curl";
    p.comm = "curl";
    static const char* const kPaths[] = {"latest/meta-data/", "latest/meta-data/iam/security-credentials/",
                                         "latest/user-data", "latest/meta-data/instance-id"};
    std::vector<std::string> args = {"curl", "-s", "-m", "5",
                                     std::string("http://169.254.169.254/") + kPaths[rng_.Below(4)]};
    p.proctitle = Proctitle(args);
    ExecRecords(p, args, kDirs[rng_.Below(CountOf(kDirs))], "imds_exec");
    shell_busy_[shell] = true;
    target_procs_.push_back(p);  // kept apart: nothing else may reuse it
    pending_.push({now_ms_ + rng_.Between(1, 20), shell, p.pid, serial_});
    ++counts_.targets_exec;
    return true;
  }

  void TargetConnect(const PendingConnect& pc) {
    auto it = std::find_if(target_procs_.begin(), target_procs_.end(),
                           [&](const Proc& p) { return p.pid == pc.pid; });
    const Proc p = *it;
    target_procs_.erase(it);
    Syscall(p, p.uid, 42, "connect", false, -115, 0x10, 0, "imds_connect");
    SockaddrInet(p, 0xA9FEA9FEu, 80);
    ProctitleRecord(p);
    Eoe(p);
    shell_busy_[pc.shell] = false;
    if (targets_ != nullptr) {
      fprintf(targets_, "%s%s%" PRIu64 " %" PRIu64 " %u %u\n", NodeCount() ? node_names_[p.node].c_str() : "",
              NodeCount() ? " " : "", pc.exec_serial, serial_, p.pid, p.ppid);
    }
    ++counts_.connect;
    ++counts_.connect_inet;
    ++counts_.targets_connect;
  }

  void SockaddrInet(const Proc& p, uint32_t ip, uint16_t port) {
    Header(p, "SOCKADDR");
    unsigned char sa[16] = {2, 0, static_cast<unsigned char>(port >> 8), static_cast<unsigned char>(port),
                            static_cast<unsigned char>(ip >> 24), static_cast<unsigned char>(ip >> 16),
                            static_cast<unsigned char>(ip >> 8), static_cast<unsigned char>(ip)};
    out_.Str("saddr=");
    out_.UpperHexBytes(std::string_view(reinterpret_cast<const char*>(sa), sizeof sa));
    if (!o_.raw) {
      Enriched();
      char text[INET_ADDRSTRLEN];
      const uint32_t be = htonl(ip);
      inet_ntop(AF_INET, &be, text, sizeof text);
      out_.Str("SADDR={ saddr_fam=inet laddr=");
      out_.Str(text);
      out_.Str(" lport=");
      out_.Dec(port);
      out_.Str(" }");
    }
    out_.Chr('\n');
  }

  void Connect() {
    const Proc& p = SomeProcess();
    const uint64_t fam = rng_.Below(100);
    const uint64_t outcome = rng_.Below(10);
    // EINPROGRESS (non-blocking clients), success, refused.
    const bool ok = outcome >= 5 && outcome < 9;
    const int64_t exit_code = outcome < 5 ? -115 : (ok ? 0 : -111);
    static const uint16_t kPorts[] = {443, 443, 443, 80, 53, 5432, 6379, 22, 8080, 9200};
    const uint16_t port = kPorts[rng_.Below(CountOf(kPorts))];
    if (fam < 90) {
      uint32_t ip;
      do {
        ip = static_cast<uint32_t>(rng_.Next() >> 32);
      } while ((ip >> 16) == 0xA9FE || (ip >> 24) == 0 || (ip >> 24) >= 224);  // never link-local/IMDS
      Syscall(p, p.uid, 42, "connect", ok, exit_code, 0x10, 0, nullptr);
      SockaddrInet(p, ip, port);
      ++counts_.connect_inet;
    } else if (fam < 95) {
      unsigned char addr[16] = {0x20, 0x01, 0x0d, 0xb8};
      for (int k = 4; k < 16; ++k) addr[k] = static_cast<unsigned char>(rng_.Below(256));
      if (rng_.Below(2)) std::memset(addr + 4, 0, 8);  // compressible, as most are
      Syscall(p, p.uid, 42, "connect", ok, exit_code, 0x1c, 0, nullptr);
      Header(p, "SOCKADDR");
      unsigned char sa[28] = {10, 0, static_cast<unsigned char>(port >> 8), static_cast<unsigned char>(port)};
      std::memcpy(sa + 8, addr, 16);
      out_.Str("saddr=");
      out_.UpperHexBytes(std::string_view(reinterpret_cast<const char*>(sa), sizeof sa));
      if (!o_.raw) {
        Enriched();
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, addr, text, sizeof text);
        out_.Str("SADDR={ saddr_fam=inet6 laddr=");
        out_.Str(text);
        out_.Str(" lport=");
        out_.Dec(port);
        out_.Str(" }");
      }
      out_.Chr('\n');
      ++counts_.connect_inet6;
    } else {
      // The nscd/journal socket dance every libc client does (ENOENT).
      static const char* const kSockets[] = {"/var/run/nscd/socket", "/run/systemd/journal/stdout",
                                             "/run/dbus/system_bus_socket"};
      const std::string path = kSockets[rng_.Below(CountOf(kSockets))];
      const bool missing = path[5] == 'r' && path[9] == 'n';  // nscd is not running
      Syscall(p, p.uid, 42, "connect", !missing, missing ? -2 : 0, 0x6e, 1, nullptr);
      Header(p, "SOCKADDR");
      std::string sa("\x01\x00", 2);
      sa += path;
      sa.push_back('\0');
      while (sa.size() < 110) sa.push_back(static_cast<char>(rng_.Below(256)));
      out_.Str("saddr=");
      out_.UpperHexBytes(sa);
      if (!o_.raw) {
        Enriched();
        out_.Str("SADDR={ saddr_fam=local path=");
        out_.Str(path);
        out_.Str(" }");
      }
      out_.Chr('\n');
      Cwd(p, "/");
      Path(p, 0, path, false, "");
      ++counts_.connect_unix;
    }
    ProctitleRecord(p);
    Eoe(p);
    ++counts_.connect;
  }

  void Openat() {
    const Proc& p = SomeProcess();
    const bool found = rng_.Below(10) != 0;
    const std::string path = kOpenPaths[rng_.Below(CountOf(kOpenPaths))];
    Syscall(p, p.uid, 257, "openat", found, found ? 3 : -2, 0x80000, 1, nullptr);
    Cwd(p, kDirs[rng_.Below(CountOf(kDirs))]);
    Path(p, 0, path, found, "0100644");
    ProctitleRecord(p);
    Eoe(p);
    ++counts_.other;
  }

  const Options& o_;
  Out& out_;
  Rng rng_;
  FILE* targets_;
  std::vector<std::string> node_names_;
  std::unordered_set<uint32_t> reserved_;  // shell and daemon pids
  std::vector<Proc> shells_;
  std::vector<bool> shell_busy_;  // has a target connect in flight
  std::vector<uint32_t> active_shells_;
  uint64_t active_next_ = 0;
  std::vector<uint64_t> shell_last_used_;  // event index of its last child
  uint64_t sweep_ = 0;
  uint64_t event_index_ = 0;
  std::vector<Proc> daemons_;
  std::vector<Proc> recent_;
  uint64_t recent_next_ = 0;
  std::vector<Proc> target_procs_;
  std::priority_queue<PendingConnect, std::vector<PendingConnect>, std::greater<PendingConnect>> pending_;
  uint32_t next_pid_ = kFirstPid;
  uint64_t start_ms_ = 0;
  uint64_t now_ms_ = 0;
  uint64_t serial_ = 1000;
  Counts counts_;
};

const char kUsage[] =
    "usage: imds_loadgen [OPTIONS] > load.log\n"
    "  --events N        events to write, shells' execs included (200000)\n"
    "  --seed S          random seed (1); same seed + options = same bytes\n"
    "  --imds-rate R     chance per event of a curl exec to 169.254.169.254 (0.001)\n"
    "  --exec-share F    share of exec events in the mix (0.30)\n"
    "  --connect-share F share of connect events in the mix (0.30); the rest is openat\n"
    "  --long-arg-rate F chance per exec of one 8-20 KB argument split over records (0.01)\n"
    "  --shells N        parent shells, whose execs come first (2000)\n"
    "  --pid-step N      mean gap between new pids, wrapping at 4194304 (64)\n"
    "  --audit-rate N    events per second of audit time (20000)\n"
    "  --node NAME       prefix every record with node=NAME\n"
    "  --nodes K         K hosts node-00..: each shell (and its children) on one\n"
    "  --raw             log_format=RAW (no \\x1d translated fields)\n"
    "  --start SECONDS   audit time of the first event (1795928576)\n"
    "  --summary FILE    write counts and alerts_expected= to FILE ('-': stderr)\n"
    "  --targets FILE    one line per curl->IMDS pair: [node ]exec_serial connect_serial pid ppid\n";

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--raw") {
      o.raw = true;
      continue;
    }
    if (a == "-h" || a == "--help") return false;
    if (i + 1 >= argc) {
      fprintf(stderr, "imds_loadgen: %s needs a value\n", a.c_str());
      return false;
    }
    const char* v = argv[++i];
    char* end = nullptr;
    errno = 0;
    auto u64 = [&]() { return std::strtoull(v, &end, 10); };
    auto dbl = [&]() { return std::strtod(v, &end); };
    if (a == "--events") o.events = u64();
    else if (a == "--seed") o.seed = u64();
    else if (a == "--imds-rate") o.imds_rate = dbl();
    else if (a == "--exec-share") o.exec_share = dbl();
    else if (a == "--connect-share") o.connect_share = dbl();
    else if (a == "--long-arg-rate") o.long_arg_rate = dbl();
    else if (a == "--shells") o.shells = static_cast<uint32_t>(u64());
    else if (a == "--pid-step") o.pid_step = static_cast<uint32_t>(u64());
    else if (a == "--audit-rate") o.audit_rate = static_cast<uint32_t>(u64());
    else if (a == "--nodes") o.nodes = static_cast<uint32_t>(u64());
    else if (a == "--start") o.start_seconds = static_cast<int64_t>(u64());
    else if (a == "--node") { o.node = v; end = const_cast<char*>(v) + std::strlen(v); }
    else if (a == "--summary") { o.summary_path = v; end = const_cast<char*>(v) + std::strlen(v); }
    else if (a == "--targets") { o.targets_path = v; end = const_cast<char*>(v) + std::strlen(v); }
    else {
      fprintf(stderr, "imds_loadgen: unknown option %s\n", a.c_str());
      return false;
    }
    if (errno != 0 || end == v || *end != '\0') {
      fprintf(stderr, "imds_loadgen: bad value for %s: %s\n", a.c_str(), v);
      return false;
    }
  }
  if (o.shells == 0 || o.pid_step == 0 || o.audit_rate == 0 || o.exec_share < 0 || o.connect_share < 0 ||
      o.exec_share + o.connect_share > 1 || o.imds_rate < 0 || o.imds_rate > 0.5 ||
      o.shells + kDaemonInstances > kPidMax / 4) {
    fprintf(stderr, "imds_loadgen: option out of range\n");
    return false;
  }
  if (!o.node.empty() && o.nodes != 0) {
    fprintf(stderr, "imds_loadgen: --node and --nodes exclude each other\n");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace imds_bench

int main(int argc, char** argv) {
  using namespace imds_bench;
  Options o;
  if (!ParseArgs(argc, argv, o)) {
    fputs(kUsage, stderr);
    return 2;
  }
  FILE* targets = nullptr;
  if (!o.targets_path.empty() && (targets = fopen(o.targets_path.c_str(), "w")) == nullptr) {
    perror(o.targets_path.c_str());
    return 1;
  }
  Out out(stdout);
  Generator gen(o, out, targets);
  gen.Run();
  out.Flush();
  if (targets != nullptr && fclose(targets) != 0) {
    perror(o.targets_path.c_str());
    return 1;
  }
  if (fflush(stdout) != 0) {
    if (errno == EPIPE) return 0;
    perror("imds_loadgen: write");
    return 1;
  }
  if (!o.summary_path.empty()) {
    FILE* f = o.summary_path == "-" ? stderr : fopen(o.summary_path.c_str(), "w");
    if (f == nullptr) {
      perror(o.summary_path.c_str());
      return 1;
    }
    const Counts& c = gen.counts();
    fprintf(f,
            "events=%" PRIu64 "\nshell_execs=%" PRIu64 "\nexec=%" PRIu64 "\nconnect=%" PRIu64
            "\nconnect_inet=%" PRIu64 "\nconnect_inet6=%" PRIu64 "\nconnect_unix=%" PRIu64 "\nother=%" PRIu64
            "\nsplit_args=%" PRIu64 "\nhex_args=%" PRIu64 "\npid_wraps=%" PRIu64 "\ntarget_execs=%" PRIu64
            "\nalerts_expected=%" PRIu64 "\nbytes=%" PRIu64 "\nseed=%" PRIu64 "\n",
            c.events, c.shells, c.exec, c.connect, c.connect_inet, c.connect_inet6, c.connect_unix, c.other,
            c.split_args, c.hex_args, c.pid_wraps, c.targets_exec, c.targets_connect, out.written(), o.seed);
    if (f != stderr) fclose(f);
  }
  return 0;
}
