#include "output/syslog_sink.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "json_checker.h"
#include "kv_parser.h"
#include "test_alerts.h"

namespace imds {
namespace {

namespace fs = std::filesystem;
using testing::ImdsAlert;

constexpr std::time_t kNow = 1795926901;  // 2026-11-29 04:35:01 UTC

Alert AlertWithSerial(uint64_t serial) {
  Alert alert = ImdsAlert();
  alert.events.back().stamp.serial = serial;
  return alert;
}

// A stand-in for the syslog daemon: a unix datagram socket bound in a temp dir.
class Receiver {
 public:
  explicit Receiver(const std::string& path, int rcvbuf = 0) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << path;
  }
  ~Receiver() { ::close(fd_); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Everything waiting, without blocking.
  std::vector<std::string> Drain() {
    std::vector<std::string> got;
    std::string buf(1 << 17, '\0');
    while (true) {
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) break;
      got.emplace_back(buf.data(), static_cast<size_t>(n));
    }
    return got;
  }

 private:
  int fd_ = -1;
};

class SyslogSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The header is local time: pin the zone so the expected text is exact.
    ::setenv("TZ", "UTC0", 1);
    ::tzset();
    std::string tmpl = (fs::temp_directory_path() / "imds-syslog-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    socket_path_ = (dir_ / "log").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  SyslogOptions Options() const {
    SyslogOptions o;
    o.socket_path = socket_path_;
    o.clock = [] { return kNow; };
    o.pid = 4242;
    return o;
  }

  static std::string Body(const std::string& datagram) {
    const auto colon = datagram.find("]: ");
    return colon == std::string::npos ? "" : datagram.substr(colon + 3);
  }

  static uint64_t ConnectSerial(const std::string& datagram) {
    const auto parsed = testing::ParseKeyValueLine(Body(datagram));
    if (!parsed.pairs) return 0;
    for (const auto& p : *parsed.pairs)
      if (p.key == "audit.connect.serial") return std::stoull(p.value);
    return 0;
  }

  fs::path dir_;
  std::string socket_path_;
};

TEST(SyslogNamesTest, FacilityNamesMapToTheirCodes) {
  EXPECT_EQ(SyslogFacilityCode("kern"), 0);
  EXPECT_EQ(SyslogFacilityCode("user"), 1);
  EXPECT_EQ(SyslogFacilityCode("daemon"), 3);
  EXPECT_EQ(SyslogFacilityCode("auth"), 4);
  EXPECT_EQ(SyslogFacilityCode("authpriv"), 10);
  EXPECT_EQ(SyslogFacilityCode("local0"), 16);
  EXPECT_EQ(SyslogFacilityCode("local7"), 23);
  EXPECT_EQ(SyslogFacilityCode("local8"), std::nullopt);
  EXPECT_EQ(SyslogFacilityCode("AUTH"), std::nullopt);
  EXPECT_EQ(SyslogFacilityCode(""), std::nullopt);
}

TEST(SyslogNamesTest, SeverityNamesMapToTheirCodes) {
  EXPECT_EQ(SyslogSeverityCode("emerg"), 0);
  EXPECT_EQ(SyslogSeverityCode("alert"), 1);
  EXPECT_EQ(SyslogSeverityCode("crit"), 2);
  EXPECT_EQ(SyslogSeverityCode("err"), 3);
  EXPECT_EQ(SyslogSeverityCode("warning"), 4);
  EXPECT_EQ(SyslogSeverityCode("notice"), 5);
  EXPECT_EQ(SyslogSeverityCode("info"), 6);
  EXPECT_EQ(SyslogSeverityCode("debug"), 7);
  EXPECT_EQ(SyslogSeverityCode("warn"), std::nullopt);
}

std::tm Tm(int mon, int mday, int hour, int min, int sec) {
  std::tm t{};
  t.tm_mon = mon;
  t.tm_mday = mday;
  t.tm_hour = hour;
  t.tm_min = min;
  t.tm_sec = sec;
  return t;
}

TEST(SyslogHeaderTest, PriIsFacilityTimesEightPlusSeverity) {
  const std::tm t = Tm(10, 29, 4, 35, 1);
  EXPECT_EQ(SyslogHeader(4, 4, t, "audisp-imds", 1), "<36>Nov 29 04:35:01 audisp-imds[1]: ");
  EXPECT_EQ(SyslogHeader(23, 7, t, "x", 1), "<191>Nov 29 04:35:01 x[1]: ");
  EXPECT_EQ(SyslogHeader(0, 0, t, "x", 1), "<0>Nov 29 04:35:01 x[1]: ");
  EXPECT_EQ(SyslogHeader(10, 6, t, "x", 1), "<86>Nov 29 04:35:01 x[1]: ");
  EXPECT_EQ(SyslogHeader(3, 3, t, "x", 1), "<27>Nov 29 04:35:01 x[1]: ");
}

TEST(SyslogHeaderTest, DayIsSpacePaddedAndMonthIsEnglish) {
  EXPECT_EQ(SyslogHeader(1, 5, Tm(0, 9, 0, 0, 7), "id", 77), "<13>Jan  9 00:00:07 id[77]: ");
  EXPECT_EQ(SyslogHeader(1, 5, Tm(8, 30, 23, 59, 59), "id", 77), "<13>Sep 30 23:59:59 id[77]: ");
}

TEST_F(SyslogSinkTest, DatagramIsExactRfc3164LineWithKeyValueBody) {
  Receiver receiver(socket_path_);
  SyslogSink sink(Options());
  sink.Deliver(ImdsAlert());
  const auto got = receiver.Drain();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "<36>Nov 29 04:35:01 audisp-imds[4242]: " + FormatAlertKeyValue(ImdsAlert()));
  EXPECT_EQ(sink.stats().sent, 1u);
}

TEST_F(SyslogSinkTest, FacilitySeverityAndIdentAreConfigurable) {
  Receiver receiver(socket_path_);
  SyslogOptions o = Options();
  o.facility = *SyslogFacilityCode("local3");
  o.severity = *SyslogSeverityCode("alert");
  o.ident = "imds-test";
  SyslogSink sink(o);
  sink.Deliver(ImdsAlert());
  const auto got = receiver.Drain();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rfind("<153>Nov 29 04:35:01 imds-test[4242]: @timestamp=", 0), 0u) << got[0];
}

TEST_F(SyslogSinkTest, JsonFormatSendsTheJsonObjectAsTheMessage) {
  Receiver receiver(socket_path_);
  SyslogOptions o = Options();
  o.format = AlertFormat::kJson;
  SyslogSink sink(o);
  sink.Deliver(ImdsAlert());
  const auto got = receiver.Drain();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Body(got[0]), FormatAlertJson(ImdsAlert()));
}

TEST_F(SyslogSinkTest, HugeAlertStaysWithinTheMessageSizeInBothFormats) {
  Receiver receiver(socket_path_);
  Alert alert = ImdsAlert();
  alert.events[0].args.assign(500, std::string(1 << 11, 'a'));
  alert.events[0].args.push_back(std::string(1 << 20, '"'));
  alert.events[0].command_line = std::string(1 << 20, '\n');
  for (const AlertFormat format : {AlertFormat::kKeyValue, AlertFormat::kJson}) {
    SyslogOptions o = Options();
    o.format = format;
    SyslogSink sink(o);
    sink.Deliver(alert);
    const auto got = receiver.Drain();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_LE(got[0].size(), 8192u);
    EXPECT_GT(got[0].size(), 4096u);  // the room is used, not wasted
    if (format == AlertFormat::kJson) {
      const auto parsed = testing::ParseJsonStrict(Body(got[0]));
      ASSERT_TRUE(parsed.value) << parsed.error;
      EXPECT_EQ(parsed.value->Path("process.args_count")->text, "501");
    } else {
      const auto parsed = testing::ParseKeyValueLine(Body(got[0]));
      ASSERT_TRUE(parsed.pairs) << parsed.error;
    }
  }
}

TEST_F(SyslogSinkTest, AbsentSocketQueuesAlertsAndPumpDeliversThemInOrderOnceItAppears) {
  SyslogSink sink(Options());
  EXPECT_FALSE(sink.connected());
  for (uint64_t serial = 1; serial <= 3; ++serial) sink.Deliver(AlertWithSerial(serial));
  EXPECT_EQ(sink.stats().queued, 3u);
  EXPECT_EQ(sink.stats().sent, 0u);
  EXPECT_NE(sink.last_error().find(socket_path_), std::string::npos) << sink.last_error();

  Receiver receiver(socket_path_);
  sink.Pump();
  const auto got = receiver.Drain();
  ASSERT_EQ(got.size(), 3u);  // no drop summary: nothing was dropped
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(ConnectSerial(got[i]), i + 1);
  EXPECT_EQ(sink.stats().queued, 0u);
  EXPECT_EQ(sink.stats().sent, 3u);
  EXPECT_EQ(sink.stats().dropped, 0u);
}

TEST_F(SyslogSinkTest, FullSocketNeverBlocksBoundsTheQueueAndReportsDropsAfterward) {
  Receiver receiver(socket_path_, /*rcvbuf=*/4096);  // nobody reads it for now
  SyslogOptions o = Options();
  o.queue_limit = 8;
  SyslogSink sink(o);

  constexpr uint64_t kAlerts = 300;
  // A blocking send would hang here forever: the watchdog turns that into a
  // failure (SIGALRM kills the test program) instead of a stuck CI run.
  alarm(60);
  for (uint64_t serial = 1; serial <= kAlerts; ++serial) sink.Deliver(AlertWithSerial(serial));
  alarm(0);

  const SinkStats full = sink.stats();
  EXPECT_EQ(full.queued, 8u);
  EXPECT_GT(full.dropped, 0u);
  EXPECT_EQ(full.sent + full.queued + full.dropped, kAlerts);

  // The daemon catches up: everything accepted arrives in order, then one
  // summary line with the drop count.
  std::vector<std::string> got;
  for (int round = 0; round < 100 && (sink.stats().queued > 0 || got.size() < full.sent + 9); ++round) {
    for (auto& d : receiver.Drain()) got.push_back(std::move(d));
    sink.Pump();
  }
  for (auto& d : receiver.Drain()) got.push_back(std::move(d));

  ASSERT_EQ(got.size(), full.sent + full.queued + 1);
  for (size_t i = 0; i + 1 < got.size(); ++i) EXPECT_EQ(ConnectSerial(got[i]), i + 1) << i;
  EXPECT_EQ(got.back(), "<36>Nov 29 04:35:01 audisp-imds[4242]: event.kind=\"pipeline_error\" message=\"dropped " +
                            std::to_string(full.dropped) + " alerts: syslog socket " + socket_path_ +
                            " was unavailable or full\"");
  EXPECT_EQ(sink.stats().queued, 0u);
  EXPECT_EQ(sink.stats().sent, full.sent + full.queued);
  EXPECT_EQ(sink.stats().dropped, full.dropped);

  // Reported once: later alerts come without another summary.
  sink.Deliver(AlertWithSerial(kAlerts + 1));
  const auto after = receiver.Drain();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(ConnectSerial(after[0]), kAlerts + 1);
}

TEST_F(SyslogSinkTest, DropSummaryIsJsonWhenTheFormatIsJson) {
  SyslogOptions o = Options();
  o.format = AlertFormat::kJson;
  o.queue_limit = 1;
  SyslogSink sink(o);
  sink.Deliver(ImdsAlert());
  sink.Deliver(ImdsAlert());  // dropped: the queue holds one
  EXPECT_EQ(sink.stats().dropped, 1u);
  Receiver receiver(socket_path_);
  sink.Pump();
  const auto got = receiver.Drain();
  ASSERT_EQ(got.size(), 2u);
  const auto parsed = testing::ParseJsonStrict(Body(got[1]));
  ASSERT_TRUE(parsed.value) << parsed.error;
  EXPECT_EQ(parsed.value->Path("event.kind")->text, "pipeline_error");
  EXPECT_EQ(parsed.value->Path("message")->text.rfind("dropped 1 alerts", 0), 0u);
}

TEST_F(SyslogSinkTest, DaemonRestartIsFollowedByReconnecting) {
  auto receiver = std::make_unique<Receiver>(socket_path_);
  SyslogSink sink(Options());
  sink.Deliver(AlertWithSerial(1));
  ASSERT_EQ(receiver->Drain().size(), 1u);

  receiver.reset();  // the daemon stops; its socket file stays
  sink.Deliver(AlertWithSerial(2));
  EXPECT_EQ(sink.stats().queued, 1u);

  fs::remove(socket_path_);  // ... and comes back with a new socket
  receiver = std::make_unique<Receiver>(socket_path_);
  sink.Deliver(AlertWithSerial(3));
  const auto got = receiver->Drain();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(ConnectSerial(got[0]), 2u);
  EXPECT_EQ(ConnectSerial(got[1]), 3u);
  EXPECT_EQ(sink.stats().sent, 3u);
}

TEST_F(SyslogSinkTest, ReopenReportsAnAbsentSocketAndReconnectsWhenItIsBack) {
  SyslogSink sink(Options());
  const auto error = sink.Reopen();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find(socket_path_), std::string::npos) << error->message;
  Receiver receiver(socket_path_);
  EXPECT_EQ(sink.Reopen(), std::nullopt);
  EXPECT_TRUE(sink.connected());
}

TEST_F(SyslogSinkTest, QueuedAlertsAreSentWhenTheSinkIsDestroyed) {
  auto sink = std::make_unique<SyslogSink>(Options());
  sink->Deliver(AlertWithSerial(5));
  Receiver receiver(socket_path_);
  sink.reset();
  const auto got = receiver.Drain();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(ConnectSerial(got[0]), 5u);
}

}  // namespace
}  // namespace imds
