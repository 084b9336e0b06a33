// LinuxProcSource on a fake procfs tree built under a temporary directory,
// the stat parser on hostile comm values, and one sanity check on the real
// /proc of the test process itself.
#include "process/proc_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <string>

namespace imds {
namespace {

// A stat line as the kernel writes it: 52 fields, starttime is the 22nd.
std::string StatLine(int64_t pid, const std::string& comm, int64_t ppid, uint64_t start_time) {
  std::string line = std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid);
  // fields 5..21: pgrp session tty_nr tpgid flags minflt cminflt majflt
  // cmajflt utime stime cutime cstime priority nice num_threads itrealvalue
  for (int field = 5; field <= 21; ++field) line += " " + std::to_string(field);
  line += " " + std::to_string(start_time);
  for (int field = 23; field <= 52; ++field) line += " 0";
  return line + "\n";
}

class FakeProc : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/imds-fake-proc-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
  }
  void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + root_ + "'").c_str()), 0); }

  void AddProcess(int64_t pid, const std::string& stat, const std::string& exe_target,
                  const std::string& sessionid) {
    const std::string dir = root_ + "/" + std::to_string(pid);
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    std::ofstream(dir + "/stat") << stat;
    if (!exe_target.empty()) {
      ASSERT_EQ(symlink(exe_target.c_str(), (dir + "/exe").c_str()), 0);
    }
    if (!sessionid.empty()) std::ofstream(dir + "/sessionid") << sessionid;
  }

  std::string root_;
};

TEST_F(FakeProc, LookupReadsStatExeAndSession) {
  AddProcess(4242, StatLine(4242, "bash", 4000, 123456), "/usr/bin/bash", "17");
  LinuxProcSource source(root_);
  auto info = source.Lookup(4242);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->pid, 4242);
  EXPECT_EQ(info->ppid, 4000);
  EXPECT_EQ(info->start_time, 123456u);
  EXPECT_EQ(info->executable, "/usr/bin/bash");
  EXPECT_EQ(info->session_id, 17);
}

TEST_F(FakeProc, AProcessRunningAShebangScriptIsNamedByTheScript) {
  // What an exec event would have said: the script, not its interpreter.
  const std::string script = root_ + "/dhclient-script";
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  AddProcess(4300, StatLine(4300, "dhclient-script", 1, 7), "/usr/bin/dash", "");
  const std::string dir = root_ + "/4300";
  std::ofstream(dir + "/comm") << "dhclient-script\n";
  std::ofstream(dir + "/cmdline") << std::string("/bin/sh\0./dhclient-script\0BOUND\0", 33);
  ASSERT_EQ(symlink(root_.c_str(), (dir + "/cwd").c_str()), 0);
  LinuxProcSource source(root_);
  auto info = source.Lookup(4300);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->executable, script);
  EXPECT_EQ(info->interpreter, "/usr/bin/dash");
}

TEST_F(FakeProc, ACommThatMatchesAnArgumentThatIsNoScriptKeepsTheExe) {
  // The argument names a file that does not start with "#!".
  const std::string data = root_ + "/report";
  std::ofstream(data) << "not a script\n";
  AddProcess(4301, StatLine(4301, "report", 1, 7), "/usr/bin/python3.11", "");
  const std::string dir = root_ + "/4301";
  std::ofstream(dir + "/comm") << "report\n";
  std::ofstream(dir + "/cmdline") << std::string("python3\0") + data + std::string(1, '\0');
  LinuxProcSource source(root_);
  auto info = source.Lookup(4301);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->executable, "/usr/bin/python3.11");
}

TEST_F(FakeProc, CommWithSpacesAndParenthesesDoesNotShiftFields) {
  AddProcess(77, StatLine(77, "evil) 1 2 (x) S 99", 70, 555), "/tmp/evil", "4294967295");
  LinuxProcSource source(root_);
  auto info = source.Lookup(77);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->ppid, 70);
  EXPECT_EQ(info->start_time, 555u);
  EXPECT_FALSE(info->session_id.has_value());  // unset session
}

TEST_F(FakeProc, KernelThreadHasNoExecutable) {
  AddProcess(2, StatLine(2, "kthreadd", 0, 1), "", "4294967295");
  LinuxProcSource source(root_);
  auto info = source.Lookup(2);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->executable, "");
}

TEST_F(FakeProc, MissingMalformedOrMismatchedStatIsNoProcess) {
  AddProcess(10, "10 (short) S\n", "/bin/x", "1");
  AddProcess(11, StatLine(12, "other", 1, 5), "/bin/x", "1");  // pid in stat differs
  LinuxProcSource source(root_);
  EXPECT_FALSE(source.Lookup(10).has_value());
  EXPECT_FALSE(source.Lookup(11).has_value());
  EXPECT_FALSE(source.Lookup(9999).has_value());
  EXPECT_FALSE(source.Lookup(0).has_value());
  EXPECT_FALSE(source.Lookup(-1).has_value());
}

TEST_F(FakeProc, ListSkipsNonNumericEntriesAndBrokenProcesses) {
  AddProcess(1, StatLine(1, "systemd", 0, 1), "/usr/lib/systemd/systemd", "4294967295");
  AddProcess(300, StatLine(300, "sshd", 1, 900), "/usr/sbin/sshd", "4294967295");
  AddProcess(301, "garbage", "/bin/x", "1");
  ASSERT_EQ(mkdir((root_ + "/sys").c_str(), 0755), 0);
  ASSERT_EQ(symlink("300", (root_ + "/self").c_str()), 0);
  LinuxProcSource source(root_);
  auto list = source.List();
  std::sort(list.begin(), list.end(), [](const ProcInfo& a, const ProcInfo& b) { return a.pid < b.pid; });
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].pid, 1);
  EXPECT_EQ(list[1].executable, "/usr/sbin/sshd");
}

TEST(ParseProcStatTest, CountsFieldsFromTheLastParenthesis) {
  auto f = ParseProcStat(StatLine(5, "a) (b", 4, 99));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->pid, 5);
  EXPECT_EQ(f->ppid, 4);
  EXPECT_EQ(f->start_time, 99u);
}

TEST(ParseProcStatTest, RejectsTruncatedAndGarbage) {
  EXPECT_FALSE(ParseProcStat("").has_value());
  EXPECT_FALSE(ParseProcStat("5 (x").has_value());
  EXPECT_FALSE(ParseProcStat(")5 (x S 1").has_value());
  EXPECT_FALSE(ParseProcStat("5 (x) S 1 2 3").has_value());
  EXPECT_FALSE(ParseProcStat("x (y) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21").has_value());
}

TEST(LinuxProcSourceTest, RealProcShowsThisProcess) {
  LinuxProcSource source;
  auto self = source.Lookup(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->ppid, getppid());
  EXPECT_GT(self->start_time, 0u);
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe));
  ASSERT_GT(n, 0);
  EXPECT_EQ(self->executable, std::string(exe, static_cast<size_t>(n)));
}

}  // namespace
}  // namespace imds
