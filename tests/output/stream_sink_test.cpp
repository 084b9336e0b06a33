#include "output/stream_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_alerts.h"

namespace imds {
namespace {

namespace fs = std::filesystem;
using testing::ImdsAlert;

class StreamSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "imds-output-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static std::unique_ptr<StreamSink> OpenOrDie(const fs::path& path, AlertFormat format = AlertFormat::kJson) {
    auto result = StreamSink::OpenFile(path.string(), format);
    if (auto* error = std::get_if<SinkError>(&result)) {
      ADD_FAILURE() << error->message;
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<StreamSink>>(result));
  }

  fs::path dir_;
};

Alert AlertWithSerial(uint64_t serial) {
  Alert alert = ImdsAlert();
  alert.events.back().stamp.serial = serial;
  return alert;
}

TEST_F(StreamSinkTest, EachAlertIsOneJsonLineReadableImmediately) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    StreamSink sink(fds[1]);
    sink.Deliver(ImdsAlert());
    // Nothing buffered: the line is in the pipe before the sink goes away.
    ASSERT_EQ(::fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    std::string got(1 << 16, '\0');
    const ssize_t n = ::read(fds[0], got.data(), got.size());
    ASSERT_GT(n, 0);
    got.resize(static_cast<size_t>(n));
    EXPECT_EQ(got, FormatAlertJson(ImdsAlert()) + "\n");
    EXPECT_EQ(sink.stats().sent, 1u);
    EXPECT_EQ(sink.stats().dropped, 0u);
  }
  ::close(fds[0]);
  ::close(fds[1]);  // the sink did not own it: closing again succeeds
}

TEST_F(StreamSinkTest, KeyValueFormatWritesKeyValueLines) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  StreamSink sink(fds[1], AlertFormat::kKeyValue, KeyValueLimits());
  sink.Deliver(ImdsAlert());
  std::string got(1 << 16, '\0');
  const ssize_t n = ::read(fds[0], got.data(), got.size());
  ASSERT_GT(n, 0);
  got.resize(static_cast<size_t>(n));
  EXPECT_EQ(got, FormatAlertKeyValue(ImdsAlert()) + "\n");
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(StreamSinkTest, FileIsAppendedToNotTruncated) {
  const fs::path path = dir_ / "alerts.json";
  std::ofstream(path) << "earlier line\n";
  auto sink = OpenOrDie(path);
  ASSERT_TRUE(sink);
  sink->Deliver(AlertWithSerial(1));
  sink->Deliver(AlertWithSerial(2));
  EXPECT_EQ(ReadFile(path), "earlier line\n" + FormatAlertJson(AlertWithSerial(1)) + "\n" +
                                FormatAlertJson(AlertWithSerial(2)) + "\n");
  EXPECT_EQ(sink->stats().sent, 2u);
}

TEST_F(StreamSinkTest, NewFileIsCreatedWithoutGroupWriteOrOtherAccess) {
  const fs::path path = dir_ / "new.json";
  auto sink = OpenOrDie(path);
  ASSERT_TRUE(sink);
  const auto perms = fs::status(path).permissions();
  EXPECT_EQ(perms & (fs::perms::group_write | fs::perms::others_all), fs::perms::none);
}

TEST_F(StreamSinkTest, ReopenAfterLogrotateRenameWritesTheNewFile) {
  const fs::path path = dir_ / "alerts.json";
  auto sink = OpenOrDie(path);
  ASSERT_TRUE(sink);
  sink->Deliver(AlertWithSerial(1));
  fs::rename(path, dir_ / "alerts.json.1");
  sink->Deliver(AlertWithSerial(2));  // still the renamed file until reopened
  EXPECT_EQ(sink->Reopen(), std::nullopt);
  sink->Deliver(AlertWithSerial(3));
  EXPECT_EQ(ReadFile(dir_ / "alerts.json.1"),
            FormatAlertJson(AlertWithSerial(1)) + "\n" + FormatAlertJson(AlertWithSerial(2)) + "\n");
  EXPECT_EQ(ReadFile(path), FormatAlertJson(AlertWithSerial(3)) + "\n");
}

TEST_F(StreamSinkTest, FailedReopenKeepsWritingTheOldFile) {
  const fs::path sub = dir_ / "sub";
  fs::create_directory(sub);
  const fs::path path = sub / "alerts.json";
  auto sink = OpenOrDie(path);
  ASSERT_TRUE(sink);
  fs::rename(sub, dir_ / "moved");  // the path can no longer be created
  const auto error = sink->Reopen();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find(path.string()), std::string::npos) << error->message;
  sink->Deliver(AlertWithSerial(9));
  EXPECT_EQ(ReadFile(dir_ / "moved" / "alerts.json"), FormatAlertJson(AlertWithSerial(9)) + "\n");
}

TEST_F(StreamSinkTest, OpenFileInMissingDirectoryIsAnErrorValueNamingThePath) {
  const fs::path path = dir_ / "missing" / "alerts.json";
  auto result = StreamSink::OpenFile(path.string());
  const auto* error = std::get_if<SinkError>(&result);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(error->message.find(path.string()), std::string::npos) << error->message;
  EXPECT_NE(error->message.find("No such file"), std::string::npos) << error->message;
}

TEST_F(StreamSinkTest, WriteErrorIsCountedAsDroppedAndReported) {
  const int read_only = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(read_only, 0);
  StreamSink sink(read_only);
  sink.Deliver(ImdsAlert());
  EXPECT_EQ(sink.stats().sent, 0u);
  EXPECT_EQ(sink.stats().dropped, 1u);
  ASSERT_TRUE(sink.last_error().has_value());
  EXPECT_NE(sink.last_error()->message.find("write"), std::string::npos);
  ::close(read_only);
}

}  // namespace
}  // namespace imds
