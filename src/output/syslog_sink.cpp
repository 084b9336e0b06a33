#include "output/syslog_sink.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

#include "output/escape.h"

namespace imds {

namespace {

struct NamedCode {
  std::string_view name;
  int code;
};

constexpr std::array<NamedCode, 20> kFacilities = {{
    {"kern", 0},     {"user", 1},     {"mail", 2},     {"daemon", 3},  {"auth", 4},
    {"syslog", 5},   {"lpr", 6},      {"news", 7},     {"uucp", 8},    {"cron", 9},
    {"authpriv", 10}, {"ftp", 11},    {"local0", 16},  {"local1", 17}, {"local2", 18},
    {"local3", 19},  {"local4", 20},  {"local5", 21},  {"local6", 22}, {"local7", 23},
}};

constexpr std::array<std::string_view, 8> kSeverities = {"emerg",   "alert",  "crit", "err",
                                                         "warning", "notice", "info", "debug"};

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string ErrnoText(const std::string& what, int err) {
  return what + ": " + std::system_category().message(err);
}

}  // namespace

std::optional<int> SyslogFacilityCode(std::string_view name) {
  for (const auto& f : kFacilities)
    if (f.name == name) return f.code;
  return std::nullopt;
}

std::optional<int> SyslogSeverityCode(std::string_view name) {
  for (size_t i = 0; i < kSeverities.size(); ++i)
    if (kSeverities[i] == name) return static_cast<int>(i);
  return std::nullopt;
}

std::string SyslogHeader(int facility, int severity, const std::tm& t, std::string_view ident, int64_t pid) {
  const int pri = (facility & 0x7f) * 8 + (severity & 0x7);
  const auto month = kMonths[static_cast<size_t>(t.tm_mon) % kMonths.size()];
  char buf[64];
  // RFC 3164: the day of month is space-padded ("Nov  9").
  std::snprintf(buf, sizeof buf, "<%d>%.3s %2d %02d:%02d:%02d ", pri, month.data(), t.tm_mday, t.tm_hour,
                t.tm_min, t.tm_sec);
  std::string header = buf;
  header.append(ident);
  header += '[';
  header += std::to_string(pid);
  header += "]: ";
  return header;
}

SyslogSink::SyslogSink(SyslogOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::time(nullptr); };
  if (options_.pid < 0) options_.pid = ::getpid();
  Connect();
}

SyslogSink::~SyslogSink() {
  Flush();
  Disconnect();
}

std::string SyslogSink::Header() const {
  const std::time_t now = options_.clock();
  std::tm local{};
  localtime_r(&now, &local);
  return SyslogHeader(options_.facility, options_.severity, local, options_.ident, options_.pid);
}

bool SyslogSink::Connect() {
  if (fd_ >= 0) return true;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (options_.socket_path.size() >= sizeof addr.sun_path) {
    last_error_ = "syslog socket path too long: " + options_.socket_path;
    return false;
  }
  options_.socket_path.copy(addr.sun_path, options_.socket_path.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    last_error_ = ErrnoText("socket", errno);
    return false;
  }
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    last_error_ = ErrnoText("connect " + options_.socket_path, errno);
    ::close(fd);
    return false;
  }
  fd_ = fd;
  return true;
}

void SyslogSink::Disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

SyslogSink::SendResult SyslogSink::Send(const std::string& datagram) {
  // A second try after reconnecting: a daemon restart leaves our connected
  // socket pointing at the old, closed one (ECONNREFUSED).
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!Connect()) return SendResult::kUnavailable;
    ssize_t n;
    do {
      n = ::send(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) return SendResult::kSent;
    const int err = errno;
    last_error_ = ErrnoText("send " + options_.socket_path, err);
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) return SendResult::kBusy;
    if (err == EMSGSIZE) return SendResult::kTooBig;
    Disconnect();
  }
  return SendResult::kUnavailable;
}

void SyslogSink::Drop() {
  ++dropped_;
  ++unreported_drops_;
}

std::string SyslogSink::DropSummary() const {
  const std::string message = "dropped " + std::to_string(unreported_drops_) +
                              " alerts: syslog socket " + options_.socket_path + " was unavailable or full";
  std::string body;
  if (options_.format == AlertFormat::kJson) {
    body = "{\"event\":{\"kind\":\"pipeline_error\"},\"message\":";
    AppendQuoted(body, message, EscapeStyle::kJson);
    body += '}';
  } else {
    body = "event.kind=\"pipeline_error\" message=";
    AppendQuoted(body, message, EscapeStyle::kKeyValue);
  }
  return Header() + body;
}

void SyslogSink::Flush() {
  while (!queue_.empty()) {
    switch (Send(queue_.front())) {
      case SendResult::kSent:
        ++sent_;
        queue_.pop_front();
        break;
      case SendResult::kTooBig:
        Drop();
        queue_.pop_front();
        break;
      case SendResult::kBusy:
      case SendResult::kUnavailable:
        return;
    }
  }
  if (unreported_drops_ > 0 && Send(DropSummary()) == SendResult::kSent) unreported_drops_ = 0;
}

void SyslogSink::Deliver(const Alert& alert) {
  std::string datagram = Header();
  FormatLimits limits;
  limits.max_value_bytes = options_.max_value_bytes;
  limits.max_args = options_.max_args;
  limits.max_line_bytes =
      options_.max_message_bytes > datagram.size() ? options_.max_message_bytes - datagram.size() : 1;
  datagram += FormatAlert(alert, options_.format, limits);

  Flush();  // older messages first
  if (queue_.empty() && unreported_drops_ == 0) {
    switch (Send(datagram)) {
      case SendResult::kSent:
        ++sent_;
        return;
      case SendResult::kTooBig:
        Drop();
        return;
      case SendResult::kBusy:
      case SendResult::kUnavailable:
        break;
    }
  }
  if (queue_.size() >= options_.queue_limit) {
    Drop();
    return;
  }
  queue_.push_back(std::move(datagram));
}

void SyslogSink::Pump() { Flush(); }

std::optional<SinkError> SyslogSink::Reopen() {
  Disconnect();
  if (!Connect()) return SinkError{last_error_};
  Flush();
  return std::nullopt;
}

SinkStats SyslogSink::stats() const {
  SinkStats s;
  s.sent = sent_;
  s.dropped = dropped_;
  s.queued = queue_.size();
  return s;
}

}  // namespace imds
