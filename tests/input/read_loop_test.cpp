// RunReadLoop on pipes and files: EOF, idle aging, stop requests, the wake
// fd, EINTR and read errors.
#include "input/read_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace imds {
namespace {

const HostIdentity kLocal{"local-id", "local-name"};

std::string ExecEvent(int64_t seconds, int serial) {
  const std::string id = "msg=audit(" + std::to_string(seconds) + ".500:" + std::to_string(serial) + "): ";
  return "type=SYSCALL " + id +
         "arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=10 pid=20 uid=0 ses=3 "
         "comm=\"curl\" exe=\"/usr/bin/curl\" key=(null)\n"
         "type=EXECVE " + id + "argc=1 a0=\"curl\"\n" +
         "type=EOE " + id + "\n";
}

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { EXPECT_EQ(pipe(fds), 0); }
  ~Pipe() {
    CloseWrite();
    if (fds[0] >= 0) close(fds[0]);
  }
  int read_end() const { return fds[0]; }
  void Write(const std::string& s) { ASSERT_EQ(write(fds[1], s.data(), s.size()), static_cast<ssize_t>(s.size())); }
  void CloseWrite() {
    if (fds[1] >= 0) close(fds[1]);
    fds[1] = -1;
  }
};

// Hooks driven by a predicate over what has happened so far.
class TestHooks : public ReadLoopHooks {
 public:
  std::function<bool()> stop_when = [] { return false; };
  int polls = 0;
  int idles = 0;
  Action Poll() override {
    ++polls;
    return stop_when() ? Action::kStop : Action::kContinue;
  }
  void OnIdle() override { ++idles; }
};

struct Harness {
  std::vector<EcsEvent> events;
  std::unique_ptr<AuditFeed> feed =
      AuditFeed::Create(EventBuilder(kLocal), [this](EcsEvent&& e) { events.push_back(std::move(e)); });
};

TEST(ReadLoopTest, PipeUntilEofFlushesAndReportsEndOfInput) {
  Harness h;
  Pipe p;
  const std::string text = ExecEvent(1700000000, 1) + ExecEvent(1700000000, 2);
  p.Write(text);
  p.CloseWrite();
  TestHooks hooks;
  const ReadLoopResult r = RunReadLoop(p.read_end(), *h.feed, hooks);
  EXPECT_EQ(r.end, ReadLoopEnd::kEndOfInput);
  EXPECT_EQ(r.bytes_read, text.size());
  EXPECT_EQ(h.events.size(), 2u);  // the last one only through the flush at EOF
}

TEST(ReadLoopTest, RegularFileIsReadToTheEnd) {
  Harness h;
  char path[] = "/tmp/imds-read-loop-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string text;
  for (int i = 1; i <= 2000; ++i) text += ExecEvent(1700000000, i);  // several 64 KiB chunks
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
  TestHooks hooks;
  const ReadLoopResult r = RunReadLoop(fd, *h.feed, hooks);
  close(fd);
  unlink(path);
  EXPECT_EQ(r.end, ReadLoopEnd::kEndOfInput);
  EXPECT_EQ(h.events.size(), 2000u);
  EXPECT_GT(hooks.polls, 2);  // the hook runs between reads
}

TEST(ReadLoopTest, IdleInputAgesEventsSoAQuietHostStillReports) {
  Harness h;
  Pipe p;
  // No EOE and nothing follows: only aging while idle can release it, once
  // it is older than libauparse's 2 s end-of-event timeout.
  std::string event = ExecEvent(time(nullptr) - 1, 1);
  event.erase(event.find("type=EOE"));
  p.Write(event);
  TestHooks hooks;
  hooks.stop_when = [&] { return !h.events.empty(); };
  ReadLoopOptions options;
  options.idle_timeout_ms = 20;
  const ReadLoopResult r = RunReadLoop(p.read_end(), *h.feed, hooks, options);
  EXPECT_EQ(r.end, ReadLoopEnd::kStopRequested);
  EXPECT_EQ(h.events.size(), 1u);
  EXPECT_GE(hooks.idles, 1);
}

TEST(ReadLoopTest, EventEndedByEoeIsReleasedWithoutWaitingForIdleOrTheNextRecord) {
  // libauparse only marks an EOE-terminated event complete when it next
  // checks its events (a later record, or aging): a live read loop must ask
  // after every read, or each alert would wait for unrelated traffic or the
  // idle timeout. Here the idle timeout is far away and nothing follows.
  Harness h;
  Pipe p;
  p.Write(ExecEvent(time(nullptr), 1));
  TestHooks hooks;
  hooks.stop_when = [&] { return !h.events.empty(); };
  ReadLoopOptions options;
  options.idle_timeout_ms = 60000;
  const ReadLoopResult r = RunReadLoop(p.read_end(), *h.feed, hooks, options);
  EXPECT_EQ(r.end, ReadLoopEnd::kStopRequested);
  EXPECT_EQ(h.events.size(), 1u);
  EXPECT_EQ(hooks.idles, 0);
}

TEST(ReadLoopTest, StopRequestLeavesBeforeReadingAndDoesNotFlush) {
  Harness h;
  Pipe p;
  p.Write(ExecEvent(1700000000, 1));
  TestHooks hooks;
  hooks.stop_when = [] { return true; };
  const ReadLoopResult r = RunReadLoop(p.read_end(), *h.feed, hooks);
  EXPECT_EQ(r.end, ReadLoopEnd::kStopRequested);
  EXPECT_EQ(r.bytes_read, 0u);
  EXPECT_TRUE(h.events.empty());
}

TEST(ReadLoopTest, WakeFdInterruptsALongWaitAtOnce) {
  Harness h;
  Pipe input;
  Pipe wake;
  std::atomic<bool> stop{false};
  TestHooks hooks;
  hooks.stop_when = [&] { return stop.load(); };
  ReadLoopOptions options;
  options.idle_timeout_ms = 60 * 1000;
  options.wake_fd = wake.read_end();
  std::thread signaller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;  // what a signal handler does: set the flag, then poke the fd
    wake.Write("x");
  });
  const auto start = std::chrono::steady_clock::now();
  const ReadLoopResult r = RunReadLoop(input.read_end(), *h.feed, hooks, options);
  const auto waited = std::chrono::steady_clock::now() - start;
  signaller.join();
  EXPECT_EQ(r.end, ReadLoopEnd::kStopRequested);
  EXPECT_LT(waited, std::chrono::seconds(5));
}

std::atomic<bool> g_alarm_seen{false};
void OnAlarm(int) { g_alarm_seen = true; }

TEST(ReadLoopTest, SignalInterruptingTheWaitIsNotAnError) {
  Harness h;
  Pipe input;
  struct sigaction action = {};
  action.sa_handler = OnAlarm;  // no SA_RESTART: poll() fails with EINTR
  struct sigaction old_action;
  ASSERT_EQ(sigaction(SIGALRM, &action, &old_action), 0);
  g_alarm_seen = false;
  TestHooks hooks;
  hooks.stop_when = [] { return g_alarm_seen.load(); };
  ReadLoopOptions options;
  options.idle_timeout_ms = 60 * 1000;
  itimerval timer = {};
  timer.it_value.tv_usec = 50 * 1000;
  ASSERT_EQ(setitimer(ITIMER_REAL, &timer, nullptr), 0);
  const ReadLoopResult r = RunReadLoop(input.read_end(), *h.feed, hooks, options);
  sigaction(SIGALRM, &old_action, nullptr);
  EXPECT_EQ(r.end, ReadLoopEnd::kStopRequested);
  EXPECT_EQ(r.error, 0);
}

TEST(ReadLoopTest, BadDescriptorIsAReadError) {
  Harness h;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  close(fds[1]);
  TestHooks hooks;
  const ReadLoopResult r = RunReadLoop(fds[0], *h.feed, hooks);
  EXPECT_EQ(r.end, ReadLoopEnd::kReadError);
  EXPECT_EQ(r.error, EBADF);
}

TEST(ReadLoopTest, DescriptorFlagsAreRestored) {
  Harness h;
  Pipe p;
  p.CloseWrite();
  const int before = fcntl(p.read_end(), F_GETFL);
  ASSERT_EQ(before & O_NONBLOCK, 0);
  TestHooks hooks;
  RunReadLoop(p.read_end(), *h.feed, hooks);
  EXPECT_EQ(fcntl(p.read_end(), F_GETFL), before);
}

TEST(ReadLoopTest, ClosedWakeFdDoesNotSpin) {
  Harness h;
  Pipe input;
  Pipe wake;
  wake.CloseWrite();  // the read end now reports POLLHUP forever
  TestHooks hooks;
  hooks.stop_when = [&] { return hooks.idles >= 2; };
  ReadLoopOptions options;
  options.idle_timeout_ms = 10;
  options.wake_fd = wake.read_end();
  const ReadLoopResult r = RunReadLoop(input.read_end(), *h.feed, hooks, options);
  EXPECT_EQ(r.end, ReadLoopEnd::kStopRequested);
  EXPECT_LT(hooks.polls, 100);
}

}  // namespace
}  // namespace imds
