// AuditFeed: chunking, event release (EOE, aging, flush), line limits and
// counters, on real corpus files (tests/audit/data) and hand-written records.
#include "input/audit_feed.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

// Every byte handed to libauparse while `g_fed_to_auparse` is set (the test
// binary is linked with -Wl,--wrap=auparse_feed, tests/input/local.mk).
static std::string* g_fed_to_auparse = nullptr;

extern "C" int __real_auparse_feed(auparse_state_t* au, const char* data, size_t data_len);
extern "C" int __wrap_auparse_feed(auparse_state_t* au, const char* data, size_t data_len) {
  if (g_fed_to_auparse != nullptr) g_fed_to_auparse->append(data, data_len);
  return __real_auparse_feed(au, data, data_len);
}

namespace imds {
namespace {

const HostIdentity kLocal{"local-id", "local-name"};

// A file of the source tree, by its path there.
std::string ReadSourceFile(const std::string& path) {
  std::ifstream in(std::string(IMDS_SOURCE_DIR) + "/" + path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A corpus file (tests/audit/data) or a capture (tests/data).
std::string ReadData(const std::string& name) { return ReadSourceFile("tests/audit/data/" + name); }
std::string ReadCapture(const std::string& name) { return ReadSourceFile("tests/data/" + name); }

// Everything the audit layer fills, in one comparable line.
std::string Summary(const EcsEvent& e) {
  std::ostringstream s;
  s << (e.category == EventCategory::kProcess ? "exec" : "connect") << " " << e.stamp.seconds << "."
    << e.stamp.millis << ":" << e.stamp.serial << " host=" << e.host_id << "/" << e.host_name << " pid=" << e.pid
    << " ppid=" << e.ppid << " uid=" << e.uid.value_or(-1) << " ses=" << e.session_id.value_or(-1) << " exe=[";
  for (const auto& x : e.executable) s << x << ",";
  s << "] args=" << e.args.size() << ":" << e.command_line << " cwd=" << e.working_directory.value_or("-")
    << " dst=" << e.destination_ip << ":" << e.destination_port.value_or(-1) << " " << e.syscall_result;
  return s.str();
}

struct Collector {
  std::vector<std::string> events;
  std::unique_ptr<AuditFeed> feed = AuditFeed::Create(
      EventBuilder(kLocal), [this](EcsEvent&& e) { events.push_back(Summary(e)); });
};

std::vector<std::string> FeedInChunks(const std::string& text, size_t chunk) {
  Collector c;
  for (size_t at = 0; at < text.size(); at += chunk) {
    c.feed->Feed(text.data() + at, std::min(chunk, text.size() - at));
  }
  c.feed->Flush();
  return c.events;
}

class ChunkingTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ChunkingTest, AnyChunkSizeGivesTheSameEventsAsOneChunk) {
  const std::string text = ReadData(GetParam());
  const std::vector<std::string> whole = FeedInChunks(text, text.size());
  ASSERT_FALSE(whole.empty());
  for (size_t chunk : {1, 7, 4096}) {
    EXPECT_EQ(FeedInChunks(text, chunk), whole) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(CorpusFiles, ChunkingTest,
                         ::testing::Values("go-libaudit_testdata_normal.txt",
                                           "laurel_record-execve-long.txt", "laurel_record-execve.txt",
                                           "laurel_record-connect.txt", "laurel_fork-sleep-exec.txt",
                                           "crowdsec-hub_auditd-curl-exec-behavior.txt"));

std::string ExecEvent(int64_t seconds, int serial, bool with_eoe, const std::string& node = "") {
  const std::string id = "msg=audit(" + std::to_string(seconds) + ".500:" + std::to_string(serial) + "): ";
  const std::string prefix = node.empty() ? "" : "node=" + node + " ";
  std::string text = prefix + "type=SYSCALL " + id +
                     "arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=10 pid=20 uid=0 ses=3 "
                     "comm=\"curl\" exe=\"/usr/bin/curl\" key=(null)\n" +
                     prefix + "type=EXECVE " + id + "argc=2 a0=\"curl\" a1=\"http://169.254.169.254/\"\n" +
                     prefix + "type=CWD " + id + "cwd=\"/tmp\"\n";
  if (with_eoe) text += prefix + "type=EOE " + id + "\n";
  return text;
}

// Splits ExecEvent's text into its lines (each with its newline).
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    lines.push_back(text.substr(at, end - at + 1));
    at = end + 1;
  }
  return lines;
}

TEST(AuditFeedTest, InterleavedEventsComeOutInTheSameOrderWhereverTheStreamIsCut) {
  // Two syscalls on two CPUs: B starts first, A's records come in between
  // and A ends (EOE) before B does; then a third event. Whatever order
  // libauparse gives them, it must not depend on how auditd's pipe cut the
  // stream: the sequence rule sees events in that order.
  const std::vector<std::string> b = Lines(ExecEvent(1700000000, 1, true));
  const std::vector<std::string> a = Lines(ExecEvent(1700000000, 2, true));
  std::string text = b[0] + b[1] + a[0] + a[1] + a[2] + a[3] + b[2] + b[3] + ExecEvent(1700000000, 3, true);
  const std::vector<std::string> whole = FeedInChunks(text, text.size());
  ASSERT_EQ(whole.size(), 3u);
  for (size_t chunk = 1; chunk < text.size(); chunk += 13) {
    EXPECT_EQ(FeedInChunks(text, chunk), whole) << "chunk " << chunk;
  }
  for (const std::string& line : a) {  // cut right after each of A's lines
    const size_t cut = text.find(line) + line.size();
    Collector c;
    c.feed->Feed(text.data(), cut);
    c.feed->Feed(text.data() + cut, text.size() - cut);
    c.feed->Flush();
    EXPECT_EQ(c.events, whole) << "cut after " << line;
  }
}

TEST(AuditFeedTest, AnEventCompleteBeforeAnOlderOneArrivesComesFirstWhereverTheStreamIsCut) {
  // A syscall that started earlier but ended later: its records (stamped at
  // entry) come after a younger, already complete event. libauparse gives
  // out the oldest event in flight first, so fed both at once it held the
  // complete event back until the older one was done; fed up to the EOE it
  // gave it out at once. Found by fuzz_feed (the parent's exec then came
  // after its child's connect, and the alert depended on the cut).
  const std::string younger_first = ExecEvent(1700000010, 1, true);
  const std::string text = younger_first + ExecEvent(1700000008, 2, true) + ExecEvent(1700000011, 3, true);
  // The last size cuts right after the first event's EOE.
  for (size_t chunk : {text.size(), size_t{1}, size_t{7}, size_t{100}, younger_first.size()}) {
    const std::vector<std::string> events = FeedInChunks(text, chunk);
    ASSERT_EQ(events.size(), 3u) << "chunk " << chunk;
    EXPECT_NE(events[0].find(".500:1 "), std::string::npos) << "chunk " << chunk << ": " << events[0];
    EXPECT_NE(events[1].find(".500:2 "), std::string::npos) << "chunk " << chunk << ": " << events[1];
  }
}

TEST(AuditFeedTest, AnEventIsDeliveredTheMomentItsEoeArrives) {
  // No aging, no next record: a quiet live host alerts at once.
  Collector c;
  const std::string text = ExecEvent(time(nullptr), 1, true);
  c.feed->Feed(text.data(), text.size());
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_NE(c.events[0].find("args=2:curl http://169.254.169.254/"), std::string::npos) << c.events[0];
}

TEST(AuditFeedTest, AProctitleAfterTheSyscallEndsTheEventBeforeItsEoe) {
  // The kernel writes PROCTITLE last: the EOE that follows adds nothing,
  // and starts no event of its own.
  Collector c;
  const std::string id = "msg=audit(1700000000.500:9): ";
  std::string text = ExecEvent(1700000000, 9, false) + "type=PROCTITLE " + id + "proctitle=6375726C\n";
  c.feed->Feed(text.data(), text.size());
  EXPECT_EQ(c.events.size(), 1u);
  text = "type=EOE " + id + "\n";
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  EXPECT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.feed->stats().events_seen, 1u);
  EXPECT_EQ(c.feed->stats().events_cut, 0u);
}

TEST(AuditFeedTest, FlushAtEndOfInputEmitsAnEventWithoutEoe) {
  Collector c;
  const std::string text = ExecEvent(1700000000, 1, false);
  c.feed->Feed(text.data(), text.size());
  EXPECT_TRUE(c.events.empty());
  c.feed->Flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.feed->stats().events_cut, 1u);
}

TEST(AuditFeedTest, AgingDoesNotCutACurrentEventWithoutEoe) {
  Collector c;
  const std::string text = ExecEvent(time(nullptr), 1, false);
  c.feed->Feed(text.data(), text.size());
  c.feed->Age(0);
  EXPECT_TRUE(c.events.empty());
  EXPECT_FALSE(c.feed->AtEventBoundary());
  c.feed->Flush();
  EXPECT_EQ(c.events.size(), 1u);
}

TEST(AuditFeedTest, IdleAgingWaitsForTheGraceBeforeCuttingAnEventMidway) {
  // An event 2+ s behind the clock whose EOE has not come: a short silence
  // may be a backlogged writer between two records (aging would cut the
  // event, docs/security.md F2); the grace's silence means a lost EOE.
  Collector c;
  const std::string text = ExecEvent(1700000000, 1, false);
  c.feed->Feed(text.data(), text.size());
  c.feed->Age(0);
  c.feed->Age(1000);
  c.feed->Age(AuditFeed::kMidEventGraceSeconds * 1000 - 1);
  EXPECT_TRUE(c.events.empty());
  c.feed->Age(AuditFeed::kMidEventGraceSeconds * 1000);
  EXPECT_EQ(c.events.size(), 1u);
}

TEST(AuditFeedTest, IdleAgingWithAHalfWrittenLineWaitsForTheGrace) {
  // The half line may be the next record of any event still pending.
  Collector c;
  const std::string text = ExecEvent(1700000000, 1, false) + ExecEvent(1700000000, 2, true) +
                           "type=SYSCALL msg=audit(1700000000.500:1): arch=c0";
  c.feed->Feed(text.data(), text.size());
  ASSERT_EQ(c.events.size(), 1u);
  c.feed->Age(1000);
  EXPECT_EQ(c.events.size(), 1u);
  c.feed->Age(AuditFeed::kMidEventGraceSeconds * 1000);
  EXPECT_EQ(c.events.size(), 2u);
}

TEST(AuditFeedTest, AnOldEventThatLostItsEoeIsCutByAgingOnceOthersFollowIt) {
  // Event 1 lost its EOE; event 2 came whole after it. Event 1 is not the
  // one being read, and is 2+ s old by the wall clock: cut at once.
  Collector c;
  const std::string text = ExecEvent(1700000000, 1, false) + ExecEvent(1700000000, 2, true);
  c.feed->Feed(text.data(), text.size());
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(c.feed->AtEventBoundary());
  c.feed->Age(0);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_NE(c.events[1].find(":1 host="), std::string::npos) << c.events[1];
}

TEST(AuditFeedTest, AnEventThatLostItsEoeIsCutByARecordOfItsNodeTwoSecondsNewer) {
  // By audit time, as libauparse's end_of_event_timeout: replays too.
  Collector c;
  const std::string text = ExecEvent(1700000000, 1, false) + ExecEvent(1700000002, 2, false);
  c.feed->Feed(text.data(), text.size());
  EXPECT_TRUE(c.events.empty());  // 2 s is not "older than 2 s"
  const std::string later = ExecEvent(1700000003, 3, true);
  c.feed->Feed(later.data(), later.size());
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_NE(c.events[0].find(":1 host="), std::string::npos) << c.events[0];
  EXPECT_NE(c.events[1].find(":3 host="), std::string::npos) << c.events[1];
}

TEST(AuditFeedTest, EachEventIsDeliveredAtItsOwnEoe) {
  Collector c;
  const std::string text = ExecEvent(1700000000, 1, true) + ExecEvent(1700000000, 2, true);
  c.feed->Feed(text.data(), text.size());
  EXPECT_EQ(c.events.size(), 2u);
}

TEST(AuditFeedTest, UnterminatedLastLineIsParsedAtFlush) {
  Collector c;
  std::string text = ExecEvent(1700000000, 1, true);
  text.pop_back();  // no newline after EOE
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  ASSERT_EQ(c.events.size(), 1u);
}

TEST(AuditFeedTest, CountsEventsSeenAndRebuilt) {
  Collector c;
  const std::string text = ReadData("go-libaudit_testdata_normal.txt");
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  // Five events; the filter drops the records of the one no rule can need
  // before libauparse, and the AF_UNIX connect is decided from its text:
  // neither ever becomes an event.
  EXPECT_EQ(c.feed->stats().events_seen, 3u);
  EXPECT_EQ(c.feed->stats().events_triaged, 1u);
  EXPECT_EQ(c.feed->auparse_events_in_flight(), 0u);
  EXPECT_GT(c.feed->stats().records_skipped, 0u);
  EXPECT_EQ(c.feed->stats().events_rebuilt, 3u);
  EXPECT_EQ(c.feed->stats().parse_errors, 0u);
  EXPECT_EQ(c.events.size(), 3u);
}

TEST(AuditFeedTest, LoneAuxiliaryRecordsAreSeenButNeverRebuilt) {
  // go-libaudit audit-rhel7.log: one record of each type, no SYSCALL with
  // them (a SOCKADDR to 169.254.169.254 alone is not a connect event).
  Collector c;
  const std::string text = ReadData("go-libaudit_audit-rhel7.txt");
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  // Record types the builder never reads are dropped before libauparse;
  // the ones it reads still reach it, and still make no event.
  EXPECT_GT(c.feed->stats().records_skipped, 30u);
  EXPECT_GT(c.feed->stats().events_seen, 5u);
  EXPECT_EQ(c.feed->stats().events_rebuilt, 0u);
  EXPECT_EQ(c.feed->stats().parse_errors, 1u);  // its "type=UNKNOWN[1329] msg=?" line
}

TEST(AuditFeedTest, MalformedExecIsCountedAsParseError) {
  Collector c;
  const std::string text =
      "type=SYSCALL msg=audit(1700000000.1:1): arch=c000003e syscall=59 success=yes exit=0 ppid=1\n"
      "type=EOE msg=audit(1700000000.1:1): \n";
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  EXPECT_EQ(c.feed->stats().parse_errors, 1u);
  EXPECT_TRUE(c.events.empty());
}

TEST(AuditFeedTest, OverlongLineIsDroppedAndLaterLinesStillParse) {
  std::vector<std::string> events;
  auto feed = AuditFeed::Create(
      EventBuilder(kLocal), [&](EcsEvent&& e) { events.push_back(Summary(e)); }, /*max_line_bytes=*/1024);
  ASSERT_NE(feed, nullptr);
  const std::string junk(4000, 'x');
  for (size_t at = 0; at < junk.size(); at += 100) feed->Feed(junk.data() + at, 100);  // never a newline
  const std::string rest = "\n" + ExecEvent(1700000000, 1, true);
  feed->Feed(rest.data(), rest.size());
  feed->Flush();
  EXPECT_EQ(feed->stats().parse_errors, 1u);
  EXPECT_EQ(events.size(), 1u);
}

TEST(AuditFeedTest, OverlongLineCompletedInOneChunkIsDropped) {
  std::vector<std::string> events;
  auto feed = AuditFeed::Create(
      EventBuilder(kLocal), [&](EcsEvent&& e) { events.push_back(Summary(e)); }, /*max_line_bytes=*/1024);
  const std::string head(1000, 'x');
  feed->Feed(head.data(), head.size());
  const std::string tail = std::string(100, 'y') + "\n" + ExecEvent(1700000000, 1, true);
  feed->Feed(tail.data(), tail.size());
  feed->Flush();
  EXPECT_EQ(feed->stats().parse_errors, 1u);
  EXPECT_EQ(events.size(), 1u);
}

TEST(AuditFeedTest, GarbageAndCommentLinesDoNotStopParsing) {
  Collector c;
  const std::string text = "# a comment\n\ngarbage = = =\n\x01\x02\xff\n" + ExecEvent(1700000000, 1, true) +
                           "type=SYSCALL msg=audit(x): nonsense\n" + ExecEvent(1700000000, 2, true);
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  EXPECT_EQ(c.events.size(), 2u);
}

TEST(AuditFeedTest, NonRecordLinesAreCountedAndNeverReachAuparse) {
  // These lines make libauparse 3.0.9 leak and return timestamp-less
  // events (seen under AddressSanitizer); they must not get that far.
  Collector c;
  const std::string junk = "# execve(\"/bin/true\", NULL, NULL);\n"
                           "msg=audit(1.2:3): execve(\"/bin/true\", NULL)\n"
                           "type=X msg=audit(garbage): # execve(\"/bin/true\")\n\n";
  const std::string text = junk + ExecEvent(1700000000, 1, true);
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  EXPECT_EQ(c.feed->stats().parse_errors, 3u);  // the blank line is not an error
  EXPECT_EQ(c.feed->stats().events_seen, 1u);
  EXPECT_EQ(c.events.size(), 1u);
}

TEST(IsAuditRecordLineTest, AcceptsWhatAuditdSendsPlugins) {
  EXPECT_TRUE(IsAuditRecordLine("type=EOE msg=audit(1795926892.996:4): "));
  EXPECT_TRUE(IsAuditRecordLine("type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=59"));
  EXPECT_TRUE(IsAuditRecordLine("node=web-1.example type=PATH msg=audit(1.2:3): item=0"));
  EXPECT_TRUE(IsAuditRecordLine("type=UNKNOWN[1334] msg=audit(1.2:3): x=y"));
  EXPECT_TRUE(IsAuditRecordLine("type=CWD msg=audit(1492037291.036:59):  cwd=\"/home\""));
  // go-libaudit audit-rhel7.log: auditd's own record has no colon.
  EXPECT_TRUE(IsAuditRecordLine("type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0"));
}

TEST(IsAuditRecordLineTest, RejectsEverythingElse) {
  EXPECT_FALSE(IsAuditRecordLine(""));
  EXPECT_FALSE(IsAuditRecordLine("# comment"));
  EXPECT_FALSE(IsAuditRecordLine("msg=audit(1.2:3): a=b"));
  EXPECT_FALSE(IsAuditRecordLine("type=X msg=audit(garbage): a=b"));
  EXPECT_FALSE(IsAuditRecordLine("type=X msg=audit(1.2): a=b"));
  EXPECT_FALSE(IsAuditRecordLine("type=UNKNOWN[1329] msg=?"));
  EXPECT_FALSE(IsAuditRecordLine("type=\x1dSER_AVC msg=audit(1.2:3): a=b"));  // leaks in auparse
  EXPECT_FALSE(IsAuditRecordLine("type= msg=audit(1.2:3): a=b"));
  EXPECT_FALSE(IsAuditRecordLine("node= type=X msg=audit(1.2:3): a=b"));
  EXPECT_FALSE(IsAuditRecordLine("Nov 29 audispd: node=x type=X msg=audit(1.2:3): a=b"));
  EXPECT_FALSE(IsAuditRecordLine(std::string_view("type=X msg=audit(1.2:3): a=\0b", 28)));
}

// Node names key per-node state; an endless forged one must not reach it.
TEST(IsAuditRecordLineTest, NodeNamesLongerThanADnsNameAreRefused) {
  EXPECT_TRUE(IsAuditRecordLine("node=" + std::string(kMaxNodeNameBytes, 'n') + " type=EOE msg=audit(1.2:3): "));
  EXPECT_FALSE(IsAuditRecordLine("node=" + std::string(kMaxNodeNameBytes + 1, 'n') + " type=EOE msg=audit(1.2:3): "));
}

// docs/security.md F1: libauparse leaks on a CWD record with two cwd=
// fields, which the kernel never writes; such a line never reaches it.
TEST(IsAuditRecordLineTest, CwdRecordWithTwoCwdFieldsIsRefused) {
  EXPECT_TRUE(IsAuditRecordLine("type=CWD msg=audit(2.37:90): cwd=\"/a\""));
  EXPECT_FALSE(IsAuditRecordLine("type=CWD msg=audit(2.37:90): cwd=\"/a\" cwd=\"/b\""));
  // Only CWD records: a PATH may legitimately show the text elsewhere.
  EXPECT_TRUE(IsAuditRecordLine("type=PATH msg=audit(2.37:90): item=0 name=\"x\" cwd=1 cwd=2"));
}

TEST(AuditFeedTest, APipelineExceptionIsContainedAndCountedAsAPipelineError) {
  // The sink runs after libauparse's callback has returned: its failure is
  // not a parse error, and the next event still goes through.
  int calls = 0;
  auto feed = AuditFeed::Create(EventBuilder(kLocal), [&calls](EcsEvent&&) {
    if (++calls == 1) throw std::runtime_error("sink");
  });
  const std::string text = ExecEvent(1700000000, 1, true) + ExecEvent(1700000000, 2, true);
  feed->Feed(text.data(), text.size());
  feed->Flush();
  EXPECT_EQ(feed->stats().pipeline_errors, 1u);
  EXPECT_EQ(feed->stats().parse_errors, 0u);
  EXPECT_EQ(calls, 2);
}

TEST(AuditFeedTest, FeedingContinuesAfterFlush) {
  Collector c;
  const std::string a = ExecEvent(1700000000, 1, true);
  const std::string b = ExecEvent(1700000000, 2, true);
  c.feed->Feed(a.data(), a.size());
  c.feed->Flush();
  c.feed->Feed(b.data(), b.size());
  c.feed->Flush();
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_NE(c.events[1].find(":2 host="), std::string::npos);
}

TEST(AuditFeedTest, EventsWithoutNodeGetTheLocalHostAndOthersTheirNode) {
  Collector c;
  // The same serial on two nodes: two events, not one.
  const std::string text = ExecEvent(1700000000, 1, true) + ExecEvent(1700000000, 1, true, "web1");
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_NE(c.events[0].find("host=local-id/local-name"), std::string::npos) << c.events[0];
  EXPECT_NE(c.events[1].find("host=web1/web1"), std::string::npos) << c.events[1];
}

// The lines of ExecEvent(), one string per record.
std::vector<std::string> Records(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line + "\n");
  return out;
}

// a[0] b[0] a[1] b[1] ...: a collector reading two TCP connections.
std::string Interleave(const std::string& a, const std::string& b) {
  const std::vector<std::string> ra = Records(a);
  const std::vector<std::string> rb = Records(b);
  std::string out;
  for (size_t i = 0; i < std::max(ra.size(), rb.size()); ++i) {
    if (i < ra.size()) out += ra[i];
    if (i < rb.size()) out += rb[i];
  }
  return out;
}

TEST(AuditFeedNodeTest, ALaggingNodesEventIsNotCutByAnotherNodesNewerRecords) {
  // docs/fleet.md C2: node B's records are 3 s newer than node A's. One
  // libauparse state completed A's event at B's first record, splitting
  // off A's EXECVE and CWD.
  for (size_t chunk : {size_t{1}, size_t{64}, size_t{1} << 20}) {
    Collector c;
    const std::string text = Interleave(ExecEvent(1700000000, 1, true, "node-a"),
                                        ExecEvent(1700000003, 1, true, "node-b"));
    for (size_t at = 0; at < text.size(); at += chunk) {
      c.feed->Feed(text.data() + at, std::min(chunk, text.size() - at));
    }
    c.feed->Flush();
    ASSERT_EQ(c.events.size(), 2u) << "chunk " << chunk;
    for (const std::string& e : c.events) {
      EXPECT_NE(e.find("args=2:curl http://169.254.169.254/ cwd=/tmp"), std::string::npos) << e;
    }
    EXPECT_EQ(c.feed->stats().events_seen, 2u);
  }
}

TEST(AuditFeedNodeTest, LocalRecordsUseNoNodeState) {
  Collector c;
  const std::string text = ExecEvent(1700000000, 1, true) + ExecEvent(1700000000, 2, true);
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  EXPECT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.feed->node_feeds(), 0u);
}

TEST(AuditFeedNodeTest, AgingReachesEveryNodesEvents) {
  Collector c;
  const std::string text = ExecEvent(1700000000, 1, false, "node-a") + ExecEvent(1700000000, 1, false, "node-b") +
                           ExecEvent(1700000000, 1, false);
  c.feed->Feed(text.data(), text.size());
  EXPECT_EQ(c.events.size(), 0u);
  c.feed->Age(0);  // all but the one being read: 2+ s old
  EXPECT_EQ(c.events.size(), 2u);
  c.feed->Age(AuditFeed::kMidEventGraceSeconds * 1000);
  EXPECT_EQ(c.events.size(), 3u);
}

TEST(AuditFeedNodeTest, OneNodeHalfReadDoesNotHoldBackAnotherNodesCompleteEvent) {
  Collector c;
  // Node A's exec is half read (its EOE still in flight); node B's event is
  // complete: it goes at once, and A's waits for the rest of its records.
  const std::vector<std::string> a = Records(ExecEvent(time(nullptr) - 30, 1, true, "node-a"));
  std::string text = a[0] + a[1];
  text += ExecEvent(time(nullptr), 1, true, "node-b");
  c.feed->Feed(text.data(), text.size());
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_NE(c.events[0].find("host=node-b/node-b"), std::string::npos) << c.events[0];
  text = a[2] + a[3];
  c.feed->Feed(text.data(), text.size());
  EXPECT_TRUE(c.feed->AtEventBoundary());
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_NE(c.events[1].find("host=node-a/node-a"), std::string::npos) << c.events[1];
  EXPECT_NE(c.events[1].find("args=2:curl http://169.254.169.254/ cwd=/tmp"), std::string::npos) << c.events[1];
}

TEST(AuditFeedNodeTest, NodeFeedsAreBoundedAndADroppedFeedIsFlushedFirst) {
  std::vector<std::string> events;
  auto feed = AuditFeed::Create(
      EventBuilder(kLocal), [&](EcsEvent&& e) { events.push_back(Summary(e)); },
      AuditFeed::kDefaultMaxLineBytes, /*max_node_feeds=*/2);
  ASSERT_NE(feed, nullptr);
  // Node A's event without EOE, then two more nodes: A's feed is the least
  // recently fed and goes, and its event with it, whole.
  const std::string text = ExecEvent(1700000000, 1, false, "node-a") + ExecEvent(1700000000, 1, true, "node-b") +
                           ExecEvent(1700000000, 1, true, "node-c");
  feed->Feed(text.data(), text.size());
  EXPECT_EQ(feed->node_feeds(), 2u);
  EXPECT_EQ(feed->stats().node_feeds_dropped, 1u);
  // Out: B's event (at its EOE) and A's (by the drop, before C's).
  ASSERT_EQ(events.size(), 3u);
  EXPECT_NE(events[1].find("host=node-a/node-a"), std::string::npos) << events[1];
  EXPECT_NE(events[1].find("args=2:"), std::string::npos) << events[1];
  // Many more nodes: still two feeds, no event lost.
  for (int i = 0; i < 100; ++i) {
    const std::string more = ExecEvent(1700000000, 1, true, "n" + std::to_string(i));
    feed->Feed(more.data(), more.size());
    ASSERT_LE(feed->node_feeds(), 2u);
  }
  feed->Flush();
  EXPECT_EQ(events.size(), 103u);
}

TEST(AuditFeedNodeTest, LongRunsOfOneNodeAreFedWhole) {
  // A node's records reach libauparse line by line, in any chunking.
  Collector c;
  std::string text;
  for (int i = 1; i <= 200; ++i) text += ExecEvent(1700000000, i, true, "node-a");
  ASSERT_GT(text.size(), 64u * 1024);
  c.feed->Feed(text.data(), text.size());
  c.feed->Flush();
  ASSERT_EQ(c.events.size(), 200u);
  for (const std::string& e : c.events) EXPECT_NE(e.find("args=2:"), std::string::npos) << e;
  EXPECT_EQ(c.feed->stats().parse_errors, 0u);
}

// What the event builder makes of `text` handed whole to one libauparse
// state: no line checks, no record filter, no enriched suffix cut.
std::vector<std::string> BuildFromUncutText(const std::string& text) {
  struct State {
    EventBuilder builder{kLocal};
    std::vector<std::string> events;
  } state;
  auparse_state_t* au = auparse_init(AUSOURCE_FEED, nullptr);
  EXPECT_NE(au, nullptr);
  if (au == nullptr) return {};
  auparse_add_callback(
      au,
      [](auparse_state_t* state_au, auparse_cb_event_t type, void* user) {
        if (type != AUPARSE_CB_EVENT_READY) return;
        auto* s = static_cast<State*>(user);
        if (std::optional<EcsEvent> e = s->builder.Build(state_au, nullptr)) s->events.push_back(Summary(*e));
      },
      &state, nullptr);
  auparse_feed(au, text.data(), text.size());
  auparse_flush_feed(au);
  auparse_destroy(au);
  return state.events;
}

// The bytes AuditFeed hands libauparse for `text`, fed in `chunk`s.
std::string FedToAuparse(const std::string& text, size_t chunk) {
  std::string fed;
  g_fed_to_auparse = &fed;
  FeedInChunks(text, chunk);
  g_fed_to_auparse = nullptr;
  return fed;
}

TEST(AuditFeedEnrichedTest, EnrichedSuffixNeverReachesAuparse) {
  // Each kept record reaches libauparse up to its 0x1d, then its newline.
  const std::string suffix = "\x1d" "ARCH=x86_64 SYSCALL=execve AUID=\"root\" UID=\"root\"";
  for (const std::string& node : {std::string(), std::string("web-1")}) {
    const std::string raw = ExecEvent(1700000000, 1, true, node) + ExecEvent(1700000000, 2, true, node);
    std::string enriched;
    for (std::string line : Records(raw)) {
      line.insert(line.size() - 1, suffix);
      enriched += line;
    }
    for (size_t chunk : {size_t{1}, size_t{7}, enriched.size()}) {
      EXPECT_EQ(FedToAuparse(enriched, chunk), raw) << "node '" << node << "' chunk " << chunk;
    }
  }
}

TEST(AuditFeedEnrichedTest, AForgedSuffixCannotChangeAnEvent) {
  // Names the builder reads, after 0x1d (auditd writes upper-case ones).
  std::vector<std::string> lines = Records(ExecEvent(1700000000, 1, true));
  lines[0].insert(lines[0].size() - 1, "\x1dpid=999 exe=\"/evil\" uid=7");
  std::string text;
  for (const std::string& line : lines) text += line;
  const std::vector<std::string> events = FeedInChunks(text, text.size());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events, FeedInChunks(ExecEvent(1700000000, 1, true), 4096));
}

TEST(AuditFeedEnrichedTest, PathRecordsAfterItemOneNeverReachAuparse) {
  const std::string id = "msg=audit(1700000000.500:1): ";
  const std::string head = "type=SYSCALL " + id +
                           "arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=10 pid=20 uid=0 ses=3 "
                           "comm=\"tool\" exe=\"/usr/bin/python3\" key=(null)\n"
                           "type=EXECVE " + id + "argc=2 a0=\"python3\" a1=\"./tool\"\n" +
                           "type=CWD " + id + "cwd=\"/tmp\"\n" +
                           "type=PATH " + id + "item=0 name=\"./tool\" nametype=NORMAL\n";
  const std::string item2 = "type=PATH " + id + "item=2 name=\"/lib64/ld-linux-x86-64.so.2\" nametype=NORMAL\n";
  const std::string tail = "type=EOE " + id + "\n";
  for (size_t chunk : {size_t{1}, size_t{4096}}) {
    EXPECT_EQ(FedToAuparse(head + item2 + tail, chunk), head + tail) << "chunk " << chunk;
  }
  const std::vector<std::string> events = FeedInChunks(head + item2 + tail, 4096);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("exe=[/usr/bin/python3,./tool,]"), std::string::npos) << events[0];
}

TEST(AuditFeedEnrichedTest, ASuffixCutOnANodesRecordKeepsTheNextRecordWhole) {
  // The cut record's newline goes with the next record of the same node,
  // or alone before a record of another node.
  const std::vector<std::string> a = Records(ExecEvent(1700000000, 1, true, "node-a"));
  const std::vector<std::string> b = Records(ExecEvent(1700000000, 2, true, "node-b"));
  std::string text;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string la = a[i];
    std::string lb = b[i];
    la.insert(la.size() - 1, "\x1dX=1");
    lb.insert(lb.size() - 1, "\x1dX=2");
    text += la + lb;
  }
  for (size_t chunk : {size_t{1}, size_t{64}, text.size()}) {
    const std::vector<std::string> events = FeedInChunks(text, chunk);
    ASSERT_EQ(events.size(), 2u) << "chunk " << chunk;
    for (const std::string& e : events) {
      EXPECT_NE(e.find("args=2:curl http://169.254.169.254/ cwd=/tmp"), std::string::npos) << e;
    }
  }
}

class EnrichedCaptureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(EnrichedCaptureTest, EventsAreIdenticalWithAndWithoutTheCut) {
  // Real captures (tests/data, log_format = ENRICHED unless .raw): what the
  // builder makes of the cut records, in any chunking, is what it makes of
  // the whole text. The alerts come from these events only.
  const std::string text = ReadCapture(GetParam());
  const std::vector<std::string> uncut = BuildFromUncutText(text);
  ASSERT_FALSE(uncut.empty());
  for (size_t chunk : {size_t{1}, size_t{4096}, text.size()}) {
    EXPECT_EQ(FeedInChunks(text, chunk), uncut) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Captures, EnrichedCaptureTest,
                         ::testing::Values("curl.log", "imdsv2_curl.log", "curl_node_name.log",
                                           "i386_socketcall_exec_connect.log", "curl_copy_dev_shm_relative.log",
                                           "python3_ipv4_mapped_ipv6.log", "curl.raw.log"));

}  // namespace
}  // namespace imds

namespace imds {
namespace {

// Issue 12: overload drops single records (EOEs among them). libauparse 3.0.9
// scanned its whole list of unfinished events for every record, and that
// list never shrank. Here it must hold nothing between calls, and the
// input stage's own pending events stay bounded by audit time, however long
// the stream runs.
TEST(AuditFeedBoundTest, RandomlyLostRecordsLeaveLibauparseEmptyAndPendingEventsFlat) {
  std::mt19937_64 rng(12);
  std::bernoulli_distribution lost(0.2);
  size_t delivered = 0;
  auto feed = AuditFeed::Create(EventBuilder(kLocal), [&delivered](EcsEvent&&) { ++delivered; });
  ASSERT_NE(feed, nullptr);
  constexpr int kEvents = 60000;  // 1000 a second of audit time
  size_t high_water[2] = {0, 0};
  size_t events_with_a_syscall = 0;
  std::string chunk;
  for (int i = 0; i < kEvents; ++i) {
    const int64_t ms = 1700000000000LL + i;
    const std::string id = "msg=audit(" + std::to_string(ms / 1000) + "." +
                           std::to_string(1000 + ms % 1000).substr(1) + ":" + std::to_string(i + 1) + "): ";
    const std::string records[] = {
        "type=SYSCALL " + id + "arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=10 pid=" +
            std::to_string(100 + i % 5000) + " uid=0 ses=3 comm=\"curl\" exe=\"/usr/bin/curl\" key=(null)\n",
        "type=EXECVE " + id + "argc=1 a0=\"curl\"\n",
        "type=CWD " + id + "cwd=\"/\"\n",
        "type=PATH " + id + "item=0 name=\"/usr/bin/curl\" nametype=NORMAL\n",
        "type=PROCTITLE " + id + "proctitle=6375726C\n",
        "type=EOE " + id + "\n"};
    bool syscall_kept = false;
    for (size_t r = 0; r < 6; ++r) {
      if (lost(rng)) continue;
      if (r == 0) syscall_kept = true;
      chunk += records[r];
    }
    if (syscall_kept) ++events_with_a_syscall;
    if (chunk.size() > 3000) {
      feed->Feed(chunk.data(), chunk.size());
      chunk.clear();
      ASSERT_EQ(feed->auparse_events_in_flight(), 0u);
      size_t& mark = high_water[i < kEvents / 2 ? 0 : 1];
      mark = std::max(mark, feed->pending_events());
    }
  }
  feed->Feed(chunk.data(), chunk.size());
  feed->Flush();
  EXPECT_EQ(feed->auparse_events_in_flight(), 0u);
  EXPECT_EQ(feed->pending_events(), 0u);
  // Incomplete events live at most 2-3 s of audit time: a few hundred here,
  // the same in the second half of the stream as in the first.
  EXPECT_GT(high_water[0], 0u);
  EXPECT_LT(high_water[0], 500u);
  EXPECT_LT(high_water[1], 500u);
  // Nothing is lost on the way: every event whose SYSCALL survived is built.
  EXPECT_EQ(delivered, events_with_a_syscall);
  EXPECT_GT(feed->stats().events_cut, 0u);
}

TEST(AuditFeedBoundTest, PendingEventsAreCappedOldestFirst) {
  // Events that never end, on one second: only the cap bounds them.
  std::vector<std::string> events;
  auto feed = AuditFeed::Create(
      EventBuilder(kLocal), [&events](EcsEvent&& e) { events.push_back(Summary(e)); },
      AuditFeed::kDefaultMaxLineBytes, AuditFeed::kDefaultMaxNodeFeeds, /*max_pending_events=*/8);
  std::string text;
  for (int i = 1; i <= 20; ++i) text += ExecEvent(1700000000, i, false);
  feed->Feed(text.data(), text.size());
  EXPECT_EQ(feed->pending_events(), 8u);
  ASSERT_EQ(events.size(), 12u);
  EXPECT_NE(events[0].find(":1 host="), std::string::npos) << events[0];
  EXPECT_NE(events[11].find(":12 host="), std::string::npos) << events[11];
}

}  // namespace
}  // namespace imds
