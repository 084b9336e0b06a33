// ProcessTable with fake process sources: parents, entity ids, pid reuse,
// LRU eviction, per-host separation, entry leaders, and that replay and
// remote hosts never reach the live source.
#include "process/process_table.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace imds {
namespace {

const std::string kHost = "local-id";

class FakeSource : public ProcSource {
 public:
  std::map<int64_t, ProcInfo> processes;
  int lookups = 0;
  int lists = 0;

  void Add(int64_t pid, int64_t ppid, const std::string& exe, uint64_t start, std::optional<int64_t> ses) {
    processes[pid] = ProcInfo{pid, ppid, exe, start, ses};
  }
  std::optional<ProcInfo> Lookup(int64_t pid) override {
    ++lookups;
    auto it = processes.find(pid);
    if (it == processes.end()) return std::nullopt;
    return it->second;
  }
  std::vector<ProcInfo> List() override {
    ++lists;
    std::vector<ProcInfo> out;
    for (const auto& [pid, info] : processes) out.push_back(info);
    return out;
  }
};

// Fails the test on any use: for tables that must never read /proc.
class ForbiddenSource : public ProcSource {
 public:
  std::optional<ProcInfo> Lookup(int64_t pid) override {
    ADD_FAILURE() << "live source asked about pid " << pid;
    return std::nullopt;
  }
  std::vector<ProcInfo> List() override {
    ADD_FAILURE() << "live source listed";
    return {};
  }
};

EcsEvent Exec(int64_t pid, int64_t ppid, const std::string& exe, uint64_t serial,
              std::optional<int64_t> ses = std::nullopt, const std::string& host = kHost) {
  EcsEvent e;
  e.category = EventCategory::kProcess;
  e.stamp = AuditStamp{1700000000 + static_cast<int64_t>(serial), 7, serial};
  e.host_id = host;
  e.host_name = host;
  e.pid = pid;
  e.ppid = ppid;
  e.executable = {exe};
  e.session_id = ses;
  return e;
}

EcsEvent Connect(int64_t pid, int64_t ppid, uint64_t serial, const std::string& host = kHost) {
  EcsEvent e;
  e.category = EventCategory::kNetwork;
  e.stamp = AuditStamp{1700000000 + static_cast<int64_t>(serial), 8, serial};
  e.host_id = host;
  e.host_name = host;
  e.pid = pid;
  e.ppid = ppid;
  e.destination_ip = "169.254.169.254";
  return e;
}

// Enriches a copy and returns it.
EcsEvent Enriched(ProcessTable& table, EcsEvent e) {
  table.Enrich(e);
  return e;
}

TEST(ProcessTableTest, ExecEntityIdIsHostPidAndAuditStamp) {
  ProcessTable table(100, nullptr, kHost);
  EcsEvent e = Enriched(table, Exec(10, 1, "/bin/bash", 42));
  EXPECT_EQ(e.entity_id, "local-id:10:1700000042.007:42");
}

TEST(ProcessTableTest, ParentComesFromTheTable) {
  ProcessTable table(100, nullptr, kHost);
  const EcsEvent shell = Enriched(table, Exec(10, 1, "/bin/bash", 1));
  const EcsEvent curl = Enriched(table, Exec(20, 10, "/usr/bin/curl", 2));
  EXPECT_EQ(curl.parent_executable, "/bin/bash");
  EXPECT_EQ(curl.parent_entity_id, shell.entity_id);
  EXPECT_NE(curl.entity_id, shell.entity_id);
}

TEST(ProcessTableTest, ConnectOfTheExecdProcessSharesItsParentEntity) {
  ProcessTable table(100, nullptr, kHost);
  Enriched(table, Exec(10, 1, "/bin/bash", 1));
  const EcsEvent curl = Enriched(table, Exec(20, 10, "/usr/bin/curl", 2));
  const EcsEvent connect = Enriched(table, Connect(20, 10, 3));
  EXPECT_EQ(connect.parent_entity_id, curl.parent_entity_id);
  EXPECT_EQ(connect.entity_id, curl.entity_id);
  EXPECT_EQ(connect.parent_executable, "/bin/bash");
}

TEST(ProcessTableTest, ReusedPidWithNewExecIsANewEntity) {
  ProcessTable table(100, nullptr, kHost);
  const EcsEvent first = Enriched(table, Exec(20, 10, "/usr/bin/curl", 1));
  const EcsEvent second = Enriched(table, Exec(20, 11, "/usr/bin/wget", 2));
  EXPECT_NE(first.entity_id, second.entity_id);
  const EcsEvent child = Enriched(table, Exec(30, 20, "/bin/sh", 3));
  EXPECT_EQ(child.parent_executable, "/usr/bin/wget");
  EXPECT_EQ(child.parent_entity_id, second.entity_id);
}

TEST(ProcessTableTest, ExecLooksUpItsParentBeforeReplacingItsOwnEntry) {
  // Capacity 2: inserting the child first would evict the parent (the
  // least recently used entry) before it was read.
  ProcessTable table(2, nullptr, kHost);
  Enriched(table, Exec(10, 1, "/bin/bash", 1));
  Enriched(table, Exec(11, 1, "/bin/other", 2));
  const EcsEvent child = Enriched(table, Exec(12, 10, "/usr/bin/curl", 3));
  EXPECT_EQ(child.parent_executable, "/bin/bash");
  EXPECT_EQ(table.evictions(), 1u);
}

TEST(ProcessTableTest, EvictsTheLeastRecentlyUsedEntry) {
  ProcessTable table(3, nullptr, kHost);
  Enriched(table, Exec(1, 0, "/one", 1));
  Enriched(table, Exec(2, 0, "/two", 2));
  Enriched(table, Exec(3, 0, "/three", 3));
  Enriched(table, Connect(99, 1, 4));  // reading pid 1 as a parent makes it recent
  Enriched(table, Exec(4, 0, "/four", 5));  // evicts pid 2
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.evictions(), 1u);
  EXPECT_FALSE(Enriched(table, Connect(98, 2, 6)).parent_executable.has_value());
  EXPECT_EQ(Enriched(table, Connect(98, 1, 7)).parent_executable, "/one");
  EXPECT_EQ(Enriched(table, Connect(98, 3, 8)).parent_executable, "/three");
  EXPECT_EQ(Enriched(table, Connect(98, 4, 9)).parent_executable, "/four");
}

TEST(ProcessTableTest, UnknownParentIsAskedOfTheLiveSourceOnce) {
  FakeSource source;
  source.Add(500, 1, "/usr/sbin/cron", 777, std::nullopt);
  ProcessTable table(100, &source, kHost);
  const EcsEvent e = Enriched(table, Exec(600, 500, "/usr/bin/curl", 1));
  EXPECT_EQ(e.parent_executable, "/usr/sbin/cron");
  EXPECT_EQ(e.parent_entity_id, "local-id:500:start777");
  EXPECT_EQ(table.live_lookups(), 1u);
  const EcsEvent again = Enriched(table, Connect(600, 500, 2));
  EXPECT_EQ(again.parent_entity_id, "local-id:500:start777");
  EXPECT_EQ(source.lookups, 1);
  EXPECT_EQ(table.live_lookups(), 1u);
}

TEST(ProcessTableTest, ParentGoneFromLiveSourceIsNull) {
  FakeSource source;
  ProcessTable table(100, &source, kHost);
  const EcsEvent e = Enriched(table, Exec(600, 500, "/usr/bin/curl", 1));
  EXPECT_FALSE(e.parent_executable.has_value());
  EXPECT_FALSE(e.parent_entity_id.has_value());
  EXPECT_EQ(table.live_lookups(), 1u);
}

TEST(ProcessTableTest, ConnectOfAProcessNeverSeenExecingGetsItsEntityFromLiveSource) {
  FakeSource source;
  source.Add(700, 1, "/usr/bin/python3", 4242, std::nullopt);
  ProcessTable table(100, &source, kHost);
  EXPECT_EQ(Enriched(table, Connect(700, 1, 1)).entity_id, "local-id:700:start4242");
}

EcsEvent ConnectBy(int64_t pid, int64_t ppid, const std::string& exe, uint64_t serial,
                   const std::string& host = kHost) {
  EcsEvent e = Connect(pid, ppid, serial, host);
  e.executable = {exe};
  e.session_id = 5;
  return e;
}

TEST(ProcessTableTest, AParentNeverSeenExecingIsLearnedFromItsConnect) {
  // A collector: the parent started before the plugin, but it connects
  // (exe= in its SYSCALL record) before running curl.
  ForbiddenSource source;  // another node: /proc is never asked
  ProcessTable table(100, &source, kHost);
  const EcsEvent own = Enriched(table, ConnectBy(500, 1, "/usr/bin/python3.11", 1, "web1"));
  EXPECT_EQ(own.entity_id, "web1:500:seen1700000001.008:1");
  EXPECT_EQ(table.learned_from_connects(), 1u);
  const EcsEvent curl = Enriched(table, Exec(600, 500, "/usr/bin/curl", 2, std::nullopt, "web1"));
  EXPECT_EQ(curl.parent_executable, "/usr/bin/python3.11");
  EXPECT_EQ(curl.parent_entity_id, own.entity_id);
  // The child's connect joins on the same parent entity.
  EXPECT_EQ(Enriched(table, Connect(600, 500, 3, "web1")).parent_entity_id, own.entity_id);
  // Another node's pid 500 is another process.
  EXPECT_FALSE(Enriched(table, Exec(601, 500, "/usr/bin/curl", 4, std::nullopt, "web2")).parent_entity_id);
}

TEST(ProcessTableTest, AConnectNeverReplacesAKnownEntry) {
  ProcessTable table(100, nullptr, kHost);
  const EcsEvent shell = Enriched(table, Exec(10, 1, "/bin/bash", 1));
  // exe= spelt differently (a container's view, a missed exec): the known
  // entity stands, so pending sequences keyed on it still join.
  const EcsEvent c = Enriched(table, ConnectBy(10, 1, "/other/bash", 2));
  EXPECT_EQ(c.entity_id, shell.entity_id);
  EXPECT_EQ(Enriched(table, Exec(20, 10, "/usr/bin/curl", 3)).parent_executable, "/bin/bash");
  EXPECT_EQ(table.learned_from_connects(), 0u);
}

TEST(ProcessTableTest, ALocalProcessGoneFromProcIsNotLearnedFromItsConnect) {
  FakeSource source;  // empty: the process has exited
  ProcessTable table(100, &source, kHost);
  EXPECT_FALSE(Enriched(table, ConnectBy(700, 1, "/usr/bin/python3", 1)).entity_id.has_value());
  EXPECT_EQ(table.learned_from_connects(), 0u);
  EXPECT_EQ(table.size(), 0u);
}

TEST(ProcessTableTest, ALearnedProcessKeepsItsIdentityAcrossItsNextExecButNotItsImage) {
  ProcessTable table(100, nullptr, kHost);
  const EcsEvent seen = Enriched(table, ConnectBy(10, 1, "/usr/sbin/sshd", 1));
  const EcsEvent exec = Enriched(table, Exec(10, 1, "/bin/bash", 2));
  EXPECT_EQ(exec.entity_id, seen.entity_id);
  EXPECT_EQ(Enriched(table, Exec(20, 10, "/usr/bin/curl", 3)).parent_executable, "/bin/bash");
}

TEST(ProcessTableTest, AProcessThatReExecsItselfKeepsItsEntityId) {
  // An entrypoint shell backgrounds curl, then `exec app`: curl's connect
  // must still join its exec on process.parent.entity_id.
  ProcessTable table(100, nullptr, kHost);
  const EcsEvent shell = Enriched(table, Exec(10, 1, "/usr/bin/bash", 1));
  const EcsEvent curl = Enriched(table, Exec(20, 10, "/usr/bin/curl", 2));
  const EcsEvent app = Enriched(table, Exec(10, 1, "/usr/local/bin/app", 3));
  EXPECT_EQ(app.entity_id, shell.entity_id);
  const EcsEvent connect = Enriched(table, Connect(20, 10, 4));
  EXPECT_EQ(connect.parent_entity_id, curl.parent_entity_id);
  EXPECT_EQ(connect.parent_executable, "/usr/local/bin/app");  // the image is the new one
}

TEST(ProcessTableTest, AScriptsConnectIsNamedByTheScriptAndItsParentIsTheScriptToItsChildren) {
  // bash running /usr/sbin/dhclient-script: its own connect says exe=bash.
  ProcessTable table(100, nullptr, kHost);
  EcsEvent script = Exec(10, 1, "/usr/sbin/dhclient-script", 1);
  script.interpreter = "/usr/bin/bash";
  Enriched(table, script);
  EXPECT_EQ(Enriched(table, Exec(20, 10, "/usr/bin/curl", 2)).parent_executable, "/usr/sbin/dhclient-script");
  EcsEvent connect = Connect(10, 1, 3);
  connect.executable = {"/usr/bin/bash"};
  connect = Enriched(table, connect);
  EXPECT_EQ(connect.executable, std::vector<std::string>{"/usr/sbin/dhclient-script"});
  EXPECT_EQ(connect.interpreter, std::optional<std::string>("/usr/bin/bash"));
  // Another exe= than the interpreter is left as the kernel said.
  EcsEvent other = Connect(10, 1, 4);
  other.executable = {"/usr/bin/curl"};
  EXPECT_EQ(Enriched(table, other).executable, std::vector<std::string>{"/usr/bin/curl"});
}

TEST(ProcessTableTest, AnExecUnderAnotherParentIsAReusedPidAndANewEntity) {
  ProcessTable table(100, nullptr, kHost);
  const EcsEvent first = Enriched(table, Exec(10, 1, "/usr/bin/bash", 1));
  const EcsEvent reused = Enriched(table, Exec(10, 2, "/usr/bin/bash", 2));
  EXPECT_NE(reused.entity_id, first.entity_id);
  EXPECT_EQ(reused.entity_id, "local-id:10:1700000002.007:2");
}

TEST(ProcessTableTest, ReplayNeverReadsProcAndLeavesUnknownsNull) {
  ProcessTable table(100, nullptr, kHost);
  table.Seed();
  const EcsEvent e = Enriched(table, Exec(600, 500, "/usr/bin/curl", 1));
  const EcsEvent c = Enriched(table, Connect(700, 500, 2));
  EXPECT_FALSE(e.parent_executable.has_value());
  EXPECT_FALSE(e.parent_entity_id.has_value());
  EXPECT_FALSE(c.entity_id.has_value());
  EXPECT_EQ(table.live_lookups(), 0u);
}

TEST(ProcessTableTest, EventsOfOtherHostsNeverAskTheLiveSource) {
  ForbiddenSource source;
  ProcessTable table(100, &source, kHost);
  const EcsEvent e = Enriched(table, Exec(600, 500, "/usr/bin/curl", 1, std::nullopt, "web1"));
  Enriched(table, Connect(700, 500, 2, "web1"));
  EXPECT_FALSE(e.parent_executable.has_value());
  EXPECT_EQ(table.live_lookups(), 0u);
}

TEST(ProcessTableTest, SamePidOnTwoHostsIsTwoProcesses) {
  ProcessTable table(100, nullptr, kHost);
  const EcsEvent a = Enriched(table, Exec(10, 1, "/bin/bash", 1, std::nullopt, "node-a"));
  const EcsEvent b = Enriched(table, Exec(10, 1, "/bin/zsh", 2, std::nullopt, "node-b"));
  EXPECT_NE(a.entity_id, b.entity_id);
  EXPECT_EQ(Enriched(table, Exec(20, 10, "/x", 3, std::nullopt, "node-a")).parent_executable, "/bin/bash");
  EXPECT_EQ(Enriched(table, Exec(20, 10, "/x", 4, std::nullopt, "node-b")).parent_executable, "/bin/zsh");
  EXPECT_FALSE(Enriched(table, Exec(20, 10, "/x", 5, std::nullopt, "node-c")).parent_executable.has_value());
}

// A collector's senders can write any node= name: the names kept are
// bounded, and reaching the bound forgets everything rather than mixing
// hosts up.
TEST(ProcessTableTest, HostNamesAreBoundedAndOverflowForgetsRatherThanMixesHosts) {
  ProcessTable table(ProcessTable::kMaxHosts + 16, nullptr, kHost);  // no eviction here
  Enriched(table, Exec(10, 1, "/bin/bash", 1, std::nullopt, "node-a"));
  for (size_t i = 1; i < ProcessTable::kMaxHosts; ++i) {
    Enriched(table, Exec(10, 1, "/bin/sh", 2, std::nullopt, "n" + std::to_string(i)));
  }
  EXPECT_EQ(table.hosts(), ProcessTable::kMaxHosts);
  EXPECT_EQ(table.host_resets(), 0u);
  EXPECT_EQ(Enriched(table, Exec(20, 10, "/x", 3, std::nullopt, "node-a")).parent_executable, "/bin/bash");
  Enriched(table, Exec(10, 1, "/bin/zsh", 4, std::nullopt, "one-too-many"));
  EXPECT_EQ(table.host_resets(), 1u);
  EXPECT_LE(table.hosts(), 2u);
  // node-a's bash is forgotten, never confused with another host's pid 10.
  EXPECT_FALSE(Enriched(table, Exec(21, 10, "/x", 5, std::nullopt, "node-a")).parent_executable.has_value());
  EXPECT_EQ(Enriched(table, Exec(22, 10, "/x", 6, std::nullopt, "one-too-many")).parent_executable, "/bin/zsh");
}

TEST(ProcessTableTest, SeedGivesProcessesStartTimeEntities) {
  FakeSource source;
  source.Add(1, 0, "/usr/lib/systemd/systemd", 1, std::nullopt);
  source.Add(300, 1, "/usr/sbin/sshd", 500, std::nullopt);
  ProcessTable table(100, &source, kHost);
  table.Seed();
  EXPECT_EQ(table.size(), 2u);
  const EcsEvent e = Enriched(table, Exec(400, 300, "/bin/bash", 1));
  EXPECT_EQ(e.parent_entity_id, "local-id:300:start500");
  EXPECT_EQ(e.parent_executable, "/usr/sbin/sshd");
  EXPECT_EQ(source.lookups, 0);  // known from the seed
}

TEST(ProcessTableTest, ReseedReplacesAPidWhoseStartTimeChanged) {
  FakeSource source;
  source.Add(300, 1, "/usr/sbin/sshd", 500, std::nullopt);
  source.Add(301, 1, "/usr/sbin/cron", 600, std::nullopt);
  ProcessTable table(100, &source, kHost);
  table.Seed();
  source.Add(300, 1, "/usr/bin/nc", 9000, std::nullopt);  // sshd died, pid reused
  table.Seed();
  const EcsEvent reused = Enriched(table, Connect(900, 300, 1));
  EXPECT_EQ(reused.parent_entity_id, "local-id:300:start9000");
  EXPECT_EQ(reused.parent_executable, "/usr/bin/nc");
  EXPECT_EQ(Enriched(table, Connect(901, 301, 2)).parent_entity_id, "local-id:301:start600");
}

TEST(ProcessTableTest, ReseedKeepsAnExecEntryWhoseImageIsUnchanged) {
  FakeSource source;
  ProcessTable table(100, &source, kHost);
  const EcsEvent exec = Enriched(table, Exec(300, 1, "/usr/bin/python3", 1));
  source.Add(300, 1, "/usr/bin/python3", 800, std::nullopt);
  table.Seed();
  EXPECT_EQ(Enriched(table, Connect(900, 300, 2)).parent_entity_id, exec.entity_id);
}

// --- entry leader ---------------------------------------------------------

TEST(ProcessTableTest, EntryLeaderIsTheParentWhoseSessionChangedBeforeItForked) {
  ProcessTable table(100, nullptr, kHost);
  Enriched(table, Exec(100, 1, "/usr/sbin/sshd", 1));                     // no session yet
  // sshd ran pam_loginuid (session 5), then forked the shell.
  const EcsEvent login = Enriched(table, Exec(200, 100, "/bin/bash", 2, 5));
  EXPECT_EQ(login.entry_leader_executable, "/usr/sbin/sshd");
  Enriched(table, Exec(250, 200, "/usr/bin/sudo", 3, 5));  // same session: not a leader
  const EcsEvent curl = Enriched(table, Exec(300, 250, "/usr/bin/curl", 4, 5));
  EXPECT_EQ(curl.entry_leader_executable, "/usr/sbin/sshd");
}

TEST(ProcessTableTest, EntryLeaderIsNeverASiblingOfTheProcess) {
  // Seen live: a shell known without a session writes its loginuid, runs a
  // short-lived `cat`, then curl. The leader is the shell, an ancestor of
  // curl, not the `cat` that happened to exec first in the new session.
  ProcessTable table(100, nullptr, kHost);
  Enriched(table, Exec(100, 1, "/usr/bin/bash", 1));  // session unset when seen
  EXPECT_EQ(Enriched(table, Exec(101, 100, "/usr/bin/cat", 2, 7)).entry_leader_executable, "/usr/bin/bash");
  EXPECT_EQ(Enriched(table, Exec(102, 100, "/usr/bin/curl", 3, 7)).entry_leader_executable, "/usr/bin/bash");
  EXPECT_EQ(Enriched(table, Exec(301, 1, "/x", 5)).entry_leader_executable, std::nullopt);  // no ses
}

TEST(ProcessTableTest, EntryLeaderWithUnknownParentGivesWayToAConfirmedOne) {
  ProcessTable table(100, nullptr, kHost);
  Enriched(table, Exec(100, 1, "/usr/sbin/sshd", 1));
  // Replay started mid-session: parent 999 unknown, so tmux is a guess.
  EXPECT_EQ(Enriched(table, Exec(300, 999, "/usr/bin/tmux", 2, 6)).entry_leader_executable, "/usr/bin/tmux");
  // A child of sshd (session unset when seen) in session 6 proves that sshd
  // entered session 6: certain, so it replaces the guess.
  Enriched(table, Exec(400, 100, "/bin/bash", 3, 6));
  EXPECT_EQ(Enriched(table, Exec(500, 300, "/usr/bin/curl", 4, 6)).entry_leader_executable, "/usr/sbin/sshd");
  // ...and is not displaced by a later candidate.
  Enriched(table, Exec(401, 999, "/bin/zsh", 5, 6));
  EXPECT_EQ(Enriched(table, Exec(501, 300, "/usr/bin/curl", 6, 6)).entry_leader_executable, "/usr/sbin/sshd");
}

TEST(ProcessTableTest, EntryLeaderFromProcIsTheProcessWhoseParentIsInAnotherSession) {
  FakeSource source;
  source.Add(1, 0, "/usr/lib/systemd/systemd", 1, std::nullopt);
  source.Add(500, 1, "/usr/sbin/sshd", 50, std::nullopt);  // listener
  source.Add(600, 500, "/usr/sbin/sshd", 100, 9);          // session 9 starts here
  source.Add(601, 600, "/usr/bin/bash", 101, 9);
  source.Add(650, 1, "/usr/bin/daemonized", 200, 9);       // left session 9's tree later
  ProcessTable table(100, &source, kHost);
  table.Seed();
  const EcsEvent e = Enriched(table, Exec(700, 601, "/usr/bin/curl", 1, 9));
  EXPECT_EQ(e.entry_leader_executable, "/usr/sbin/sshd");
  EXPECT_EQ(e.parent_executable, "/usr/bin/bash");
  EXPECT_EQ(e.parent_entity_id, "local-id:601:start101");
}

TEST(ProcessTableTest, EntryLeaderFoundThroughALiveParentLookup) {
  FakeSource source;
  source.Add(500, 1, "/usr/sbin/sshd", 50, std::nullopt);
  ProcessTable table(100, &source, kHost);
  table.Seed();
  // A new login after the seed: the session's sshd never exec'd, /proc knows it.
  source.Add(600, 500, "/usr/sbin/sshd", 100, 11);
  const EcsEvent bash = Enriched(table, Exec(601, 600, "/usr/bin/bash", 1, 11));
  EXPECT_EQ(bash.parent_executable, "/usr/sbin/sshd");
  EXPECT_EQ(bash.entry_leader_executable, "/usr/sbin/sshd");
}

TEST(ProcessTableTest, EntryLeadersAreSeparatePerHost) {
  ProcessTable table(100, nullptr, kHost);
  Enriched(table, Exec(200, 999, "/bin/bash", 1, 5, "node-a"));
  EXPECT_EQ(Enriched(table, Exec(201, 200, "/x", 2, 5, "node-a")).entry_leader_executable, "/bin/bash");
  EXPECT_EQ(Enriched(table, Exec(200, 998, "/bin/zsh", 3, 5, "node-b")).entry_leader_executable, "/bin/zsh");
}

}  // namespace
}  // namespace imds
