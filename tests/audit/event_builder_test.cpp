// EventBuilder on real records (tests/audit/data, copied byte-for-byte from
// the public corpus) and on hand-written records for what the corpus lacks
// (i386 socketcall with SOCKADDR, relative paths, hostile input).
#include "audit/event_builder.h"

#include <auparse.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace imds {
namespace {

const HostIdentity kLocal{"local-machine-id", "local-host"};

struct Built {
  std::vector<EcsEvent> events;
  std::vector<BuildOutcome> outcomes;  // one per auparse event
};

void OnEvent(auparse_state_t* au, auparse_cb_event_t type, void* user_data) {
  if (type != AUPARSE_CB_EVENT_READY) return;
  auto* ctx = static_cast<std::pair<EventBuilder*, Built*>*>(user_data);
  BuildOutcome outcome;
  if (auto event = ctx->first->Build(au, &outcome)) ctx->second->events.push_back(std::move(*event));
  ctx->second->outcomes.push_back(outcome);
}

// Runs the builder on every event libauparse finds in `text`.
Built BuildAll(const std::string& text, const HostIdentity& host = kLocal) {
  EventBuilder builder(host);
  Built built;
  std::pair<EventBuilder*, Built*> ctx(&builder, &built);
  auparse_state_t* au = auparse_init(AUSOURCE_FEED, nullptr);
  EXPECT_NE(au, nullptr);
  auparse_add_callback(au, OnEvent, &ctx, nullptr);
  auparse_feed(au, text.data(), text.size());
  auparse_flush_feed(au);
  auparse_destroy(au);
  return built;
}

std::string ReadData(const std::string& name) {
  std::ifstream in(std::string(IMDS_SOURCE_DIR) + "/tests/audit/data/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The '#' comment lines of laurel_fork-sleep-exec.txt make libauparse 3.0.9
// leak (the input layer drops such lines before auparse); this test talks
// to auparse directly, so it drops them too.
std::string WithoutCommentLines(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '#') out += line + "\n";
  }
  return out;
}

using Strings = std::vector<std::string>;

// --- real records ------------------------------------------------------------

TEST(EventBuilderTest, RealGceFileGivesImdsConnectAndTwoExecsOnly) {
  // 5 events: IMDS connect, 2 execs, an AF_UNIX connect, an accept.
  Built b = BuildAll(ReadData("go-libaudit_testdata_normal.txt"));
  ASSERT_EQ(b.events.size(), 3u);
  EXPECT_EQ(b.events[0].stamp.serial, 58u);
  EXPECT_EQ(b.events[1].stamp.serial, 59u);
  EXPECT_EQ(b.events[2].stamp.serial, 60u);
  for (BuildOutcome o : b.outcomes) EXPECT_NE(o, BuildOutcome::kMalformed);
}

TEST(EventBuilderTest, RealImdsConnectIsANetworkEventEvenWhenInProgress) {
  const Built b = BuildAll(ReadData("go-libaudit_testdata_normal.txt"));
  ASSERT_EQ(b.events.size(), 3u);
  const EcsEvent& e = b.events[0];
  EXPECT_EQ(e.category, EventCategory::kNetwork);
  EXPECT_EQ(e.destination_ip, "169.254.169.254");
  EXPECT_EQ(e.destination_port, 80);
  EXPECT_EQ(e.syscall_result, "EINPROGRESS");
  EXPECT_EQ(e.pid, 1172);
  EXPECT_EQ(e.ppid, 1);
  EXPECT_EQ(e.uid, 0);
  EXPECT_FALSE(e.session_id.has_value());  // ses=4294967295
  EXPECT_EQ(e.executable, Strings{"/usr/bin/python2.7;58d1ccfb (deleted)"});  // exe= was hex
  EXPECT_EQ(e.stamp.seconds, 1492037289);
  EXPECT_EQ(e.stamp.millis, 295u);
  EXPECT_EQ(e.host_id, kLocal.id);
  EXPECT_EQ(e.host_name, kLocal.name);
}

TEST(EventBuilderTest, RealExecFillsProcessFields) {
  const Built b = BuildAll(ReadData("go-libaudit_testdata_normal.txt"));
  ASSERT_EQ(b.events.size(), 3u);
  const EcsEvent& e = b.events[1];
  EXPECT_EQ(e.category, EventCategory::kProcess);
  EXPECT_EQ(e.pid, 13393);
  EXPECT_EQ(e.ppid, 12041);
  EXPECT_EQ(e.uid, 1000);
  EXPECT_EQ(e.session_id, 802);
  EXPECT_EQ(e.executable, Strings{"/usr/bin/grep"});  // PATH name is the same path
  EXPECT_EQ(e.args, (Strings{"grep", "--color=auto", "mapping"}));
  EXPECT_EQ(e.command_line, "grep --color=auto mapping");
  EXPECT_EQ(e.working_directory, "/home/andrew_kroh");
  EXPECT_EQ(e.stamp, (AuditStamp{1492037291, 36, 59}));
  EXPECT_FALSE(e.entity_id.has_value());  // the process layer's job
  EXPECT_FALSE(e.parent_executable.has_value());
}

TEST(EventBuilderTest, NodePrefixNamesTheHostOnEnrichedInput) {
  Built b = BuildAll(ReadData("laurel_record-execve.txt"));
  ASSERT_EQ(b.events.size(), 1u);
  const EcsEvent& e = b.events[0];
  EXPECT_EQ(e.host_id, "work");
  EXPECT_EQ(e.host_name, "work");
  EXPECT_EQ(e.executable, Strings{"/usr/bin/whoami"});
  EXPECT_EQ(e.args, Strings{"whoami"});
  EXPECT_EQ(e.working_directory, "/home/user/tmp");
  EXPECT_EQ(e.uid, 0);
  EXPECT_EQ(e.session_id, 1);
}

TEST(EventBuilderTest, SplitArgumentOverSeveralExecveRecordsIsJoined) {
  Built b = BuildAll(ReadData("laurel_record-execve-long.txt"));
  ASSERT_EQ(b.events.size(), 1u);
  const EcsEvent& e = b.events[0];
  ASSERT_EQ(e.args.size(), 2u);
  EXPECT_EQ(e.args[0], "/bin/echo");
  // a1_len=16384 counts hex digits: the kernel forces hex on an argument
  // that spans records. 8192 bytes, not PROCTITLE's 128-byte cut.
  ASSERT_EQ(e.args[1].size(), 8192u);
  EXPECT_EQ(e.args[1].substr(0, 4), "baaa");
  EXPECT_EQ(e.args[1].back(), 'g');  // the last byte of the third chunk
  EXPECT_EQ(e.command_line.size(), 9u + 1 + 8192);
  EXPECT_EQ(e.working_directory, "/tmp");
}

TEST(EventBuilderTest, HexArgumentOfRealPerlReverseShell) {
  Built b = BuildAll(ReadData("laurel_record-perl-reverse-shell.txt"));
  ASSERT_EQ(b.events.size(), 1u);
  const EcsEvent& e = b.events[0];
  ASSERT_EQ(e.args.size(), 3u);
  EXPECT_EQ(e.args[2].rfind("use Socket;$i=\"10.0.0.1\";$p=1234;", 0), 0u) << e.args[2];
}

TEST(EventBuilderTest, RealIpv4AndIpv6Connects) {
  Built b = BuildAll(ReadData("laurel_record-connect.txt"));
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].destination_ip, "127.0.0.1");
  EXPECT_EQ(b.events[0].destination_port, 11211);
  EXPECT_EQ(b.events[0].syscall_result, "success");
  EXPECT_EQ(b.events[1].destination_ip, "::1");
  EXPECT_EQ(b.events[1].syscall_result, "EINPROGRESS");
  EXPECT_EQ(b.events[1].executable, Strings{"/usr/bin/php"});
}

TEST(EventBuilderTest, Aarch64ExecsNamedByLibauditNotByX86Numbers) {
  // syscall=221 is execve on aarch64 (fadvise64 on x86_64); 220 is clone.
  // The records of this file come in reverse order, SYSCALL last.
  Built b = BuildAll(WithoutCommentLines(ReadData("laurel_fork-sleep-exec.txt")));
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].executable, Strings{"/home/user/bin/uncaring-parent"});
  const EcsEvent& child = b.events[1];
  EXPECT_EQ(child.pid, 1578540);
  EXPECT_EQ(child.ppid, 1);
  // exe= is the resolved /usr/bin/true; the absolute /bin/true handed to
  // execve is a spelling, never a second value.
  EXPECT_EQ(child.executable, (Strings{"/usr/bin/true"}));
  EXPECT_EQ(child.args, Strings{""});
  EXPECT_EQ(child.session_id, 2);
}

TEST(EventBuilderTest, EventsWithoutEoeFromRealFileAreBuiltAtFlush) {
  Built b = BuildAll(ReadData("crowdsec-hub_auditd-curl-exec-behavior.txt"));
  ASSERT_FALSE(b.events.empty());
  EXPECT_EQ(b.events[0].args, (Strings{"bash", "bkdoor-script.sh"}));
  EXPECT_EQ(b.events[0].working_directory, "/tmp/bkdoor");
}

TEST(EventBuilderTest, EnrichedTextThatLostItsSeparatorStillDecodes) {
  // `key="susp_shell"ARCH=x86_64 SYSCALL=execve ...`, `cap_frootid=0OUID=...`
  Built b = BuildAll(ReadData("crowdsec-hub_auditd-suid-crash.txt"));
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].executable, (Strings{"/usr/bin/bash"}));
  EXPECT_EQ(b.events[0].args, Strings{"-bash"});
  EXPECT_EQ(b.events[0].session_id, 417);
  EXPECT_EQ(b.events[1].args, (Strings{"/usr/bin/su", "--help"}));
}

// --- hand-written records ---------------------------------------------------

std::string Syscall(const std::string& serial, const std::string& body) {
  return "type=SYSCALL msg=audit(1700000000.123:" + serial + "): " + body + "\n";
}
std::string Record(const std::string& type, const std::string& serial, const std::string& body) {
  return "type=" + type + " msg=audit(1700000000.123:" + serial + "): " + body + "\n";
}
std::string Eoe(const std::string& serial) { return "type=EOE msg=audit(1700000000.123:" + serial + "): \n"; }

const char* kExecX86 =
    "arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=100 pid=200 "
    "auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 "
    "tty=pts0 ses=7 comm=\"tool\" exe=\"/tmp/work/tool\" key=(null)";

TEST(EventBuilderTest, RelativePathHandedToExecveIsSecondExecutableAsGiven) {
  Built b = BuildAll(Syscall("1", kExecX86) + Record("EXECVE", "1", "argc=1 a0=\"./tool\"") +
                     Record("CWD", "1", "cwd=\"/tmp/work\"") +
                     Record("PATH", "1", "item=0 name=\"./tool\" inode=1 dev=fe:00 mode=0100755 nametype=NORMAL") +
                     Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].executable, (Strings{"/tmp/work/tool", "./tool"}));
}

TEST(EventBuilderTest, ShebangScriptGivesInterpreterAndScriptPath) {
  std::string sc = kExecX86;
  sc.replace(sc.find("exe=\"/tmp/work/tool\""), 20, "exe=\"/usr/bin/bash\"");
  Built b = BuildAll(Syscall("1", sc) + Record("EXECVE", "1", "argc=2 a0=\"/bin/bash\" a1=2F746D702F7820792E7368") +
                     Record("PATH", "1", "item=0 name=2F746D702F7820792E7368 inode=1 nametype=NORMAL") +
                     Record("PATH", "1", "item=1 name=\"/bin/bash\" inode=2 nametype=NORMAL") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  // The script is the executable (hex name decoded); bash its interpreter.
  EXPECT_EQ(b.events[0].executable, (Strings{"/tmp/x y.sh"}));
  EXPECT_EQ(b.events[0].interpreter, std::optional<std::string>("/usr/bin/bash"));
}

std::string ExecWithExe(const std::string& exe) {
  std::string sc = kExecX86;
  sc.replace(sc.find("exe=\"/tmp/work/tool\""), 20, "exe=\"" + exe + "\"");
  return sc;
}

TEST(EventBuilderTest, EnvShebangNamesTheScriptAfterTheLinesArgument) {
  // #!/usr/bin/env python3: argv is env, "python3", the script, its args.
  Built b = BuildAll(Syscall("1", ExecWithExe("/usr/bin/env")) +
                     Record("EXECVE", "1", "argc=4 a0=\"/usr/bin/env\" a1=\"python3\" a2=\"/usr/local/bin/aws\" a3=\"s3\"") +
                     Record("CWD", "1", "cwd=\"/root\"") +
                     Record("PATH", "1", "item=0 name=\"/usr/local/bin/aws\" nametype=NORMAL") +
                     Record("PATH", "1", "item=1 name=\"/usr/bin/env\" nametype=NORMAL") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].executable, (Strings{"/usr/local/bin/aws"}));
  EXPECT_EQ(b.events[0].interpreter, std::optional<std::string>("/usr/bin/env"));
}

TEST(EventBuilderTest, RelativeScriptIsMadeAbsoluteAndKeepsItsSpellingSecond) {
  // /bin/sh is a link to dash: exe= names dash, item 1 names /bin/sh.
  Built b = BuildAll(Syscall("1", ExecWithExe("/usr/bin/dash")) +
                     Record("EXECVE", "1", "argc=2 a0=\"/bin/sh\" a1=\"./bin/../run.sh\"") +
                     Record("CWD", "1", "cwd=\"/srv//app\"") +
                     Record("PATH", "1", "item=0 name=\"./bin/../run.sh\" nametype=NORMAL") +
                     Record("PATH", "1", "item=1 name=\"/bin/sh\" nametype=NORMAL") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].executable, (Strings{"/srv/app/run.sh", "./bin/../run.sh"}));
  EXPECT_EQ(b.events[0].interpreter, std::optional<std::string>("/usr/bin/dash"));
}

TEST(EventBuilderTest, AnAbsoluteSpellingOfABinaryIsNeverASecondValue) {
  // An exclusion pattern must not be matched by a spelling the caller chose.
  Built b = BuildAll(Syscall("1", ExecWithExe("/usr/bin/curl")) +
                     Record("EXECVE", "1", "argc=2 a0=\"curl\" a1=\"-s\"") + Record("CWD", "1", "cwd=\"/\"") +
                     Record("PATH", "1", "item=0 name=\"/snap/oracle-cloud-agent/../../usr/bin/curl\" nametype=NORMAL") +
                     Record("PATH", "1", "item=1 name=\"/lib64/ld-linux-x86-64.so.2\" nametype=NORMAL") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].executable, (Strings{"/usr/bin/curl"}));
  EXPECT_FALSE(b.events[0].interpreter.has_value());
}

TEST(EventBuilderTest, ABinaryWhoseArgvMimicsAScriptStillNamesTheFileHandedToExecve) {
  // argv[0] chosen as the ELF loader's path and argv[1] as the binary's:
  // read as a script, the result is still the path the kernel opened.
  Built b = BuildAll(Syscall("1", ExecWithExe("/usr/bin/curl")) +
                     Record("EXECVE", "1", "argc=2 a0=\"/lib64/ld-linux-x86-64.so.2\" a1=\"/usr/bin/curl\"") +
                     Record("PATH", "1", "item=0 name=\"/usr/bin/curl\" nametype=NORMAL") +
                     Record("PATH", "1", "item=1 name=\"/lib64/ld-linux-x86-64.so.2\" nametype=NORMAL") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].executable, (Strings{"/usr/bin/curl"}));
  EXPECT_FALSE(b.events[0].interpreter.has_value());
}

TEST(EventBuilderTest, AScriptIsNotGuessedFromProctitleAlone) {
  // PROCTITLE may be the previous image's: without EXECVE, exe= stands.
  Built b = BuildAll(Syscall("1", ExecWithExe("/usr/bin/bash")) +
                     Record("PROCTITLE", "1", "proctitle=2F62696E2F62617368002F746D702F782E7368") +
                     Record("PATH", "1", "item=0 name=\"/tmp/x.sh\" nametype=NORMAL") +
                     Record("PATH", "1", "item=1 name=\"/bin/bash\" nametype=NORMAL") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].executable, (Strings{"/usr/bin/bash"}));
  EXPECT_FALSE(b.events[0].interpreter.has_value());
}

TEST(EventBuilderTest, ProctitleIsTheFallbackWhenThereIsNoExecve) {
  Built b = BuildAll(Syscall("1", kExecX86) +
                     Record("PROCTITLE", "1", "proctitle=6375726C002D73003136392E3235342E3136392E323534") +
                     Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].args, (Strings{"curl", "-s", "169.254.169.254"}));
  EXPECT_EQ(b.events[0].command_line, "curl -s 169.254.169.254");
  EXPECT_FALSE(b.events[0].working_directory.has_value());
}

TEST(EventBuilderTest, ExecveWinsOverProctitle) {
  Built b = BuildAll(Syscall("1", kExecX86) + Record("EXECVE", "1", "argc=2 a0=\"curl\" a1=\"-v\"") +
                     Record("PROCTITLE", "1", "proctitle=\"other\"") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].args, (Strings{"curl", "-v"}));
}

TEST(EventBuilderTest, FailedExecIsNotAnEvent) {
  std::string sc = kExecX86;
  sc.replace(sc.find("success=yes exit=0"), 18, "success=no exit=-2");
  Built b = BuildAll(Syscall("1", sc) + Eoe("1"));
  EXPECT_TRUE(b.events.empty());
  EXPECT_EQ(b.outcomes, std::vector<BuildOutcome>{BuildOutcome::kIgnored});
}

TEST(EventBuilderTest, ExecveatIsAnExec) {
  std::string sc = kExecX86;
  sc.replace(sc.find("syscall=59"), 10, "syscall=322");
  EXPECT_EQ(BuildAll(Syscall("1", sc) + Eoe("1")).events.size(), 1u);
}

TEST(EventBuilderTest, AvcBeforeSyscallDoesNotHideTheExec) {
  Built b = BuildAll(Record("AVC", "1",
                            "avc:  granted  { execute } for  pid=200 comm=\"tool\" name=\"tool\" dev=\"dm-0\" "
                            "ino=1 scontext=u:r:t:s0 tcontext=u:r:t:s0 tclass=file") +
                     Syscall("1", kExecX86) + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].pid, 200);
}

const char* kI386Exec =
    // selinux audit2allow test data (Fedora Core 6): i386 execve is 11, no ses=.
    "arch=40000003 syscall=11 success=yes exit=0 a0=9d12630 a1=9d12048 a2=9d0cd08 a3=9d120e0 items=0 "
    "ppid=6448 pid=6449 auid=500 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts2 "
    "comm=\"consoletype\" exe=\"/sbin/consoletype\" subj=staff_u:sysadm_r:consoletype_t:s0 key=(null)";

TEST(EventBuilderTest, I386ExecveIsNamedFromItsOwnTable) {
  Built b = BuildAll(Syscall("1", kI386Exec) + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].executable, Strings{"/sbin/consoletype"});
  EXPECT_FALSE(b.events[0].session_id.has_value());
  EXPECT_TRUE(b.events[0].args.empty());
}

// i386 socketcall: the SYSCALL record is from the selinux test data; the
// SOCKADDR record (which a modern kernel adds) is hand-written.
const char* kI386Socketcall =
    "arch=40000003 syscall=102 success=no exit=-111 a0=3 a1=bf8754a0 a2=4e570f80 a3=0 items=0 "
    "ppid=1 pid=6145 auid=500 uid=500 gid=500 euid=500 suid=500 fsuid=500 egid=500 sgid=500 "
    "fsgid=500 tty=(none) comm=\"gconfd-2\" exe=\"/usr/libexec/gconfd-2\" subj=staff_u:staff_r:staff_t:s0 "
    "key=(null)";

TEST(EventBuilderTest, I386SocketcallConnectIsANetworkEvent) {
  Built b = BuildAll(Syscall("1", kI386Socketcall) +
                     Record("SOCKADDR", "1", "saddr=02000050A9FEA9FE0000000000000000") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].category, EventCategory::kNetwork);
  EXPECT_EQ(b.events[0].destination_ip, "169.254.169.254");
  EXPECT_EQ(b.events[0].syscall_result, "ECONNREFUSED");
}

TEST(EventBuilderTest, I386SocketcallOtherThanConnectIsIgnored) {
  std::string sc = kI386Socketcall;
  sc.replace(sc.find("a0=3"), 4, "a0=2");  // bind
  Built b = BuildAll(Syscall("1", sc) + Record("SOCKADDR", "1", "saddr=02000050A9FEA9FE0000000000000000") +
                     Eoe("1"));
  EXPECT_TRUE(b.events.empty());
}

TEST(EventBuilderTest, I386DirectConnectSyscall) {
  std::string sc = kI386Socketcall;
  sc.replace(sc.find("syscall=102"), 11, "syscall=362");
  Built b = BuildAll(Syscall("1", sc) + Record("SOCKADDR", "1", "saddr=02000050A9FEA9FE0000000000000000") +
                     Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].destination_port, 80);
}

TEST(EventBuilderTest, X86NumberOnAnotherArchIsNotMistaken) {
  // 42 is connect on x86_64 but not on aarch64 (where it is nfsservctl).
  Built b = BuildAll(Syscall("1", "arch=c00000b7 syscall=42 success=yes exit=0 pid=5 ppid=1") +
                     Record("SOCKADDR", "1", "saddr=02000050A9FEA9FE0000000000000000") + Eoe("1"));
  EXPECT_TRUE(b.events.empty());
}

TEST(EventBuilderTest, AConnectTheKernelRefusedBeforeTryingIsNotAnAttempt) {
  // The kernel audits the address before it looks at the fd: ENOTSOCK,
  // EBADF, EFAULT, EINVAL and EAFNOSUPPORT attempted nothing.
  for (const char* exit : {"-88", "-9", "-14", "-22", "-97"}) {
    const std::string sc = std::string("arch=c000003e syscall=42 success=no exit=") + exit +
                           " a0=3 pid=5 ppid=1 exe=\"/usr/bin/python3.11\"";
    Built b = BuildAll(Syscall("1", sc) + Record("SOCKADDR", "1", "saddr=02000050A9FEA9FE0000000000000000") +
                       Eoe("1"));
    EXPECT_TRUE(b.events.empty()) << exit;
    EXPECT_EQ(b.outcomes, std::vector<BuildOutcome>{BuildOutcome::kIgnored}) << exit;
  }
}

TEST(EventBuilderTest, EveryOtherConnectResultIsAnAttempt) {
  // In progress, success, refused, timed out, unreachable, a firewall's EPERM.
  const std::vector<std::pair<std::string, std::string>> results = {
      {"success=no exit=-115", "EINPROGRESS"}, {"success=yes exit=0", "success"},
      {"success=no exit=-111", "ECONNREFUSED"}, {"success=no exit=-110", "ETIMEDOUT"},
      {"success=no exit=-113", "EHOSTUNREACH"}, {"success=no exit=-1", "EPERM"}};
  for (const auto& [fields, name] : results) {
    const std::string sc = "arch=c000003e syscall=42 " + fields + " a0=3 pid=5 ppid=1 exe=\"/usr/bin/curl\"";
    Built b = BuildAll(Syscall("1", sc) + Record("SOCKADDR", "1", "saddr=02000050A9FEA9FE0000000000000000") +
                       Eoe("1"));
    ASSERT_EQ(b.events.size(), 1u) << fields;
    EXPECT_EQ(b.events[0].syscall_result, name);
  }
}

TEST(EventBuilderTest, ConnectWithoutSockaddrOrToUnixSocketIsNotAnEvent) {
  const std::string sc = "arch=c000003e syscall=42 success=no exit=-14 pid=5 ppid=1 exe=\"/bin/x\"";
  Built b = BuildAll(Syscall("1", sc) + Eoe("1") + Syscall("2", sc) +
                     Record("SOCKADDR", "2", "saddr=01002F746D702F736F636B00") + Eoe("2"));
  EXPECT_TRUE(b.events.empty());
  EXPECT_EQ(b.outcomes, (std::vector<BuildOutcome>{BuildOutcome::kIgnored, BuildOutcome::kIgnored}));
}

// A connect is decided by its SOCKADDR before its other records are read;
// for AF_INET/AF_INET6 the CWD and PROCTITLE are still taken (rules and the
// alert's process.* may read them), the first of each kind winning.
TEST(EventBuilderTest, InetConnectsKeepTheirOtherRecordsAndUnixConnectsStayIgnored) {
  const std::string sc = "arch=c000003e syscall=42 success=yes exit=0 pid=5 ppid=1 exe=\"/bin/x\"";
  const std::string aux = Record("CWD", "%", "cwd=(null)") + Record("CWD", "%", "cwd=\"/srv\"") +
                          Record("PATH", "%", "item=0 name=\"/ignored\" nametype=NORMAL");
  // libauparse ends a syscall event at its PROCTITLE, so that comes last.
  const std::string proctitle = Record("PROCTITLE", "%", "proctitle=6375726C002D73");
  auto with_serial = [](std::string text, const std::string& serial) {
    for (size_t at = text.find('%'); at != std::string::npos; at = text.find('%')) text.replace(at, 1, serial);
    return text;
  };
  Built b = BuildAll(
      Syscall("1", sc) + with_serial(aux, "1") + Record("SOCKADDR", "1", "saddr=02000050A9FEA9FE0000000000000000") +
      with_serial(proctitle, "1") + Eoe("1") + Syscall("2", sc) +
      Record("SOCKADDR", "2", "saddr=0A000050000000000000000000000000000000000000000100000000") +
      with_serial(aux + proctitle, "2") + Eoe("2") + Syscall("3", sc) +
      Record("SOCKADDR", "3", "saddr=01002F746D702F736F636B00") + with_serial(aux + proctitle, "3") + Eoe("3"));
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.outcomes,
            (std::vector<BuildOutcome>{BuildOutcome::kBuilt, BuildOutcome::kBuilt, BuildOutcome::kIgnored}));
  EXPECT_EQ(b.events[0].destination_ip, "169.254.169.254");
  EXPECT_EQ(b.events[1].destination_ip, "::1");
  for (const EcsEvent& e : b.events) {
    EXPECT_EQ(e.category, EventCategory::kNetwork);
    EXPECT_EQ(e.destination_port, 80);
    EXPECT_EQ(e.executable, Strings{"/bin/x"});  // PATH names an exec's file only
    EXPECT_EQ(e.args, (Strings{"curl", "-s"}));
    EXPECT_EQ(e.command_line, "curl -s");
    EXPECT_EQ(e.working_directory, std::optional<std::string>("/srv"));  // cwd=(null) does not count
  }
}

// Only the first PATH item=0 names the file, wherever it comes.
TEST(EventBuilderTest, FirstPathItemZeroNamesTheExecutedFile) {
  Built b = BuildAll(Syscall("1", kExecX86) + Record("PATH", "1", "item=1 name=\"/lib/ld.so\" nametype=NORMAL") +
                     Record("PATH", "1", "item=0 name=\"./tool\" nametype=NORMAL") +
                     Record("PATH", "1", "item=0 name=\"./later\" nametype=NORMAL") +
                     Record("EXECVE", "1", "argc=2 a0=\"tool\" a1=\"-v\"") +
                     Record("PROCTITLE", "1", "proctitle=\"other\"") + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].executable, (Strings{"/tmp/work/tool", "./tool"}));
  EXPECT_EQ(b.events[0].args, (Strings{"tool", "-v"}));
}

TEST(EventBuilderTest, SessionIdPresentWhenSet) {
  Built b = BuildAll(Syscall("1", kExecX86) + Eoe("1"));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].session_id, 7);
  EXPECT_EQ(b.events[0].stamp, (AuditStamp{1700000000, 123, 1}));
}

// --- hostile input ------------------------------------------------------------

TEST(EventBuilderTest, ExecWithoutPidIsMalformedNotAnEvent) {
  Built b = BuildAll(Syscall("1", "arch=c000003e syscall=59 success=yes exit=0 ppid=1 exe=\"/bin/x\"") + Eoe("1"));
  EXPECT_TRUE(b.events.empty());
  EXPECT_EQ(b.outcomes, std::vector<BuildOutcome>{BuildOutcome::kMalformed});
}

TEST(EventBuilderTest, AnAuditTimeBeyondTheYear9999IsMalformed) {
  // libauparse takes any digits; 16346281234628127 s overflowed the
  // rule's milliseconds (found by fuzz_feed under UBSan).
  const std::string exec = "arch=c000003e syscall=59 success=yes exit=0 pid=5 ppid=1 exe=\"/bin/x\"";
  for (const std::string seconds : {"16346281234628127", "253402300800", "18446744073709551615"}) {
    const std::string id = "msg=audit(" + seconds + ".123:1): ";
    Built b = BuildAll("type=SYSCALL " + id + exec + "\ntype=EOE " + id + "\n");
    EXPECT_TRUE(b.events.empty()) << seconds;
    EXPECT_EQ(b.outcomes, std::vector<BuildOutcome>{BuildOutcome::kMalformed}) << seconds;
  }
  const std::string id = "msg=audit(253402300799.999:1): ";
  Built last = BuildAll("type=SYSCALL " + id + exec + "\ntype=EOE " + id + "\n");
  ASSERT_EQ(last.events.size(), 1u);
  EXPECT_EQ(last.events[0].stamp.EpochMillis(), 253402300799999);
}

TEST(EventBuilderTest, ConnectWithGarbageSockaddrIsMalformed) {
  Built b = BuildAll(Syscall("1", "arch=c000003e syscall=42 success=yes exit=0 pid=5 ppid=1") +
                     Record("SOCKADDR", "1", "saddr=02ZZ") + Eoe("1"));
  EXPECT_TRUE(b.events.empty());
  EXPECT_EQ(b.outcomes, std::vector<BuildOutcome>{BuildOutcome::kMalformed});
}

TEST(EventBuilderTest, UnknownArchAndAbsurdNumbersAreIgnored) {
  Built b = BuildAll(Syscall("1", "arch=12345 syscall=59 success=yes pid=1") + Eoe("1") +
                     Syscall("2", "arch=c000003e syscall=99999999999999999999 success=yes pid=1") + Eoe("2") +
                     Syscall("3", "arch=ffffffffffffffffff syscall=59 success=yes pid=1") + Eoe("3") +
                     Syscall("4", "arch=c000003e syscall=-59 success=yes pid=1") + Eoe("4") +
                     Syscall("5", "syscall=59 success=yes pid=1") + Eoe("5") +
                     Syscall("6", "arch=x86_64 syscall=execve success=yes pid=1") + Eoe("6"));
  EXPECT_TRUE(b.events.empty());
  for (BuildOutcome o : b.outcomes) EXPECT_EQ(o, BuildOutcome::kIgnored);
}

TEST(EventBuilderTest, TruncatedRecordsNeverCrash) {
  const std::string full = ReadData("go-libaudit_testdata_normal.txt") + ReadData("laurel_record-execve-long.txt") +
                           ReadData("laurel_record-connect.txt");
  // Every line cut at every 13th byte, and the whole text cut at every 97th.
  std::istringstream lines(full);
  std::string line, cut_lines;
  size_t n = 0;
  while (std::getline(lines, line)) {
    cut_lines += line.substr(0, (n++ * 13) % (line.size() + 1)) + "\n";
  }
  // Whatever survives is still one of the 6 events of the intact text.
  EXPECT_LE(BuildAll(cut_lines).events.size(), 6u);
  for (size_t cut = 0; cut < full.size(); cut += 97) EXPECT_LE(BuildAll(full.substr(0, cut)).events.size(), 6u);
}

TEST(EventBuilderTest, MegabyteArgumentThroughAuparse) {
  // A 1 MiB argument as the kernel splits it: ~3750-byte hex chunks, one
  // EXECVE record each.
  const size_t total = 1u << 20;
  const size_t chunk = 3750;
  std::string text = Syscall("9", kExecX86) + Record("EXECVE", "9", "argc=2 a0=\"x\" a1_len=" + std::to_string(total));
  text.pop_back();  // the first chunk shares the record with a1_len
  size_t done = 0;
  for (int k = 0; done < total; ++k) {
    const size_t len = std::min(chunk, total - done);
    std::string body = " a1[" + std::to_string(k) + "]=" + std::string(2 * len, '4');
    if (k == 0) {
      text += body + "\n";
    } else {
      text += Record("EXECVE", "9", body);
    }
    done += len;
  }
  text += Eoe("9");
  Built b = BuildAll(text);
  ASSERT_EQ(b.events.size(), 1u);
  ASSERT_EQ(b.events[0].args.size(), 2u);
  EXPECT_EQ(b.events[0].args[1].size(), total);
}

}  // namespace
}  // namespace imds

namespace imds {
namespace {

// Triage: a connect decided from its text, before libauparse.
const std::string kConnectTo(const std::string& saddr, const std::string& result = "success=no exit=-115") {
  return "type=SYSCALL msg=audit(1700000000.123:5): arch=c000003e syscall=42 " + result +
         " a0=3 a1=7ffd a2=10 a3=0 items=0 ppid=100 pid=200 auid=0 uid=1000 gid=0 euid=0 suid=0 fsuid=0 egid=0 "
         "sgid=0 fsgid=0 tty=(none) ses=7 comm=\"agent\" exe=\"/usr/bin/agent\" key=(null)\n"
         "type=SOCKADDR msg=audit(1700000000.123:5): saddr=" + saddr + "\n"
         "type=PROCTITLE msg=audit(1700000000.123:5): proctitle=6167656E74\n";
}
const std::string kToImds = "02000050A9FEA9FE0000000000000000";
const std::string kToLoopback = "020000507F0000010000000000000000";

TEST(EventBuilderTriageTest, AConnectToAnAddressNoRuleNamesFeedsOnlyTheProcessTable) {
  EventBuilder builder(HostIdentity{"local-machine-id", "local-host"});
  builder.SetNeededDestinations(std::vector<std::string>{"169.254.169.254"});
  EcsEvent light;
  ASSERT_EQ(builder.TriageRecords(kConnectTo(kToLoopback), light), Triage::kTableOnly);
  EXPECT_TRUE(light.table_only);
  EXPECT_EQ(light.category, EventCategory::kNetwork);
  EXPECT_EQ(light.pid, 200);
  EXPECT_EQ(light.ppid, 100);
  EXPECT_EQ(light.uid, 1000);
  EXPECT_EQ(light.session_id, 7);
  EXPECT_EQ(light.executable, std::vector<std::string>{"/usr/bin/agent"});
  EXPECT_EQ(light.destination_ip, "127.0.0.1");
  EXPECT_EQ(light.syscall_result, "EINPROGRESS");
  EXPECT_EQ(light.stamp, (AuditStamp{1700000000, 123, 5}));
  EXPECT_EQ(light.host_id, "local-machine-id");
}

TEST(EventBuilderTriageTest, TheTableOnlyEventHasWhatBuildGives) {
  // The same fields as libauparse + Build(), node= host included.
  const std::string text = "node=web-1 " + kConnectTo(kToLoopback).substr(0, kConnectTo(kToLoopback).find('\n') + 1) +
                           "node=web-1 type=SOCKADDR msg=audit(1700000000.123:5): saddr=" + kToLoopback + "\n";
  EventBuilder triage(HostIdentity{"local-machine-id", "local-host"});
  triage.SetNeededDestinations(std::vector<std::string>{"169.254.169.254"});
  EcsEvent light;
  ASSERT_EQ(triage.TriageRecords(text, light), Triage::kTableOnly);
  Built b = BuildAll(text + "node=web-1 type=EOE msg=audit(1700000000.123:5): \n");
  ASSERT_EQ(b.events.size(), 1u);
  const EcsEvent& full = b.events[0];
  EXPECT_EQ(light.host_id, full.host_id);
  EXPECT_EQ(light.stamp, full.stamp);
  EXPECT_EQ(light.pid, full.pid);
  EXPECT_EQ(light.ppid, full.ppid);
  EXPECT_EQ(light.uid, full.uid);
  EXPECT_EQ(light.session_id, full.session_id);
  EXPECT_EQ(light.executable, full.executable);
  EXPECT_EQ(light.destination_ip, full.destination_ip);
  EXPECT_EQ(light.destination_port, full.destination_port);
  EXPECT_EQ(light.syscall_result, full.syscall_result);
}

TEST(EventBuilderTriageTest, ANamedAddressOrAnyAddressGoesToLibauparse) {
  EventBuilder builder(HostIdentity{"id", "name"});
  EcsEvent light;
  EXPECT_EQ(builder.TriageRecords(kConnectTo(kToLoopback), light), Triage::kBuild);  // no set: any address
  builder.SetNeededDestinations(std::vector<std::string>{"169.254.169.254"});
  EXPECT_EQ(builder.TriageRecords(kConnectTo(kToImds), light), Triage::kBuild);
  builder.SetNeededDestinations(std::vector<std::string>{}, {"169.254.169.254"});
  EXPECT_EQ(builder.TriageRecords(kConnectTo(kToImds), light), Triage::kBuild);
}

TEST(EventBuilderTriageTest, WhatBuildWouldRefuseIsNoEventAndExecsAreNeverDecidedHere) {
  EventBuilder builder(HostIdentity{"id", "name"});
  builder.SetNeededDestinations(std::vector<std::string>{"169.254.169.254"});
  EcsEvent light;
  EXPECT_EQ(builder.TriageRecords(kConnectTo("01002F746D702F736F636B00"), light), Triage::kNotAnEvent);  // AF_UNIX
  EXPECT_EQ(builder.TriageRecords(kConnectTo(kToImds, "success=no exit=-88"), light), Triage::kNotAnEvent);
  EXPECT_EQ(builder.TriageRecords(kConnectTo("zz"), light), Triage::kBuild);  // malformed: Build() counts it
  const std::string exec =
      "type=SYSCALL msg=audit(1700000000.123:6): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 "
      "exe=\"/usr/bin/curl\"\n";
  EXPECT_EQ(builder.TriageRecords(exec, light), Triage::kBuild);
}

}  // namespace
}  // namespace imds
