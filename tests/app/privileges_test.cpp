#include "app/privileges.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <string>

#include <gtest/gtest.h>

namespace imds {
namespace {

// Runs `body` in a child process (dropping capabilities is irreversible)
// and returns its exit status.
template <typename F>
int InChild(F body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

// A process of another user, whose /proc/PID/exe only CAP_SYS_PTRACE reads.
class OtherUserProcess {
 public:
  OtherUserProcess() {
    pid_ = fork();
    if (pid_ == 0) {
      if (setgid(4242) != 0 || setuid(4242) != 0) _exit(1);
      pause();
      _exit(0);
    }
    usleep(100000);  // let it change its uid
  }
  ~OtherUserProcess() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::string exe_link() const { return "/proc/" + std::to_string(pid_) + "/exe"; }

 private:
  pid_t pid_;
};

bool CanReadExe(const std::string& link) {
  char buf[PATH_MAX];
  return readlink(link.c_str(), buf, sizeof buf) > 0;
}

TEST(PrivilegesTest, LiveModeKeepsOnlySysPtraceAndSetsNoNewPrivs) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (auditd starts the plugin as root)";
  OtherUserProcess other;
  const std::string link = other.exe_link();
  EXPECT_EQ(InChild([&link] {
              if (DropPrivileges(true)) return 1;
              if (DescribeCapabilities() != "sys_ptrace") return 2;
              if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return 3;
              // The bounding set is emptied too (the test runs with
              // CAP_SETPCAP, as auditd starts plugins): nothing can come back.
              FILE* status = fopen("/proc/self/status", "r");
              if (status == nullptr) return 5;
              char line[256];
              unsigned long long bounding = ~0ull;
              while (fgets(line, sizeof line, status)) sscanf(line, "CapBnd: %llx", &bounding);
              fclose(status);
              if ((bounding & ~(1ull << CAP_SYS_PTRACE)) != 0) return 6;
              // What the capability is kept for: another user's exe link.
              return CanReadExe(link) ? 0 : 4;
            }),
            0);
}

TEST(PrivilegesTest, WithoutSysPtraceAnotherUsersExeIsUnreadable) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  OtherUserProcess other;
  const std::string link = other.exe_link();
  ASSERT_TRUE(CanReadExe(link));
  EXPECT_EQ(InChild([&link] {
              if (DropPrivileges(false)) return 1;
              return CanReadExe(link) ? 2 : 0;
            }),
            0);
}

TEST(PrivilegesTest, ReplayKeepsNothing) {
  EXPECT_EQ(InChild([] {
              if (DropPrivileges(false)) return 1;
              return DescribeCapabilities() == "none" ? 0 : 2;
            }),
            0);
}

TEST(PrivilegesTest, RootWithoutCapabilitiesCannotOverrideFilePermissions) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  // A file of another user that only its owner may read: root reads it
  // only through CAP_DAC_OVERRIDE, which is gone after the drop.
  char path[] = "/tmp/imds-priv-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_EQ(chown(path, 4242, 4242), 0);
  ASSERT_EQ(chmod(path, 0600), 0);
  const std::string file = path;
  EXPECT_EQ(InChild([&file] {
              if (DropPrivileges(true)) return 1;
              FILE* f = fopen(file.c_str(), "r");
              if (f == nullptr) return 0;
              fclose(f);
              return 2;
            }),
            0);
  unlink(path);
}

}  // namespace
}  // namespace imds
