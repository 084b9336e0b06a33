// Alerts to the local syslog daemon: our own RFC 3164 client on the unix
// datagram socket (/dev/log), not syslog(3), which can block and keeps
// process-wide state.
//
// Wire format, as glibc writes it to /dev/log (the daemon adds the host):
//   <PRI>Mmm dd hh:mm:ss ident[pid]: message
// PRI = facility * 8 + severity; the time is local, month names English.
//
// It never stalls the caller: the socket is non-blocking. When the socket is
// absent (daemon down or restarting) or full, messages wait in a bounded
// queue and go out, in order, on a later Deliver() or Pump(); when the queue
// is full the newest message is dropped and counted. Once the queue has
// drained after drops, one summary message says how many were lost.
//
// Each datagram (header included) stays within max_message_bytes: long
// values are cut (escape.h's truncation marker), see FormatLimits.
#ifndef AUDISP_IMDS_OUTPUT_SYSLOG_SINK_H
#define AUDISP_IMDS_OUTPUT_SYSLOG_SINK_H

#include <ctime>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "output/alert_format.h"
#include "output/sink.h"

namespace imds {

// "auth" -> 4 (the code, not yet multiplied by 8); nullopt for unknown names.
// kern user mail daemon auth syslog lpr news uucp cron authpriv ftp
// local0..local7.
std::optional<int> SyslogFacilityCode(std::string_view name);
// "emerg" -> 0 ... "debug" -> 7 (emerg alert crit err warning notice info debug).
std::optional<int> SyslogSeverityCode(std::string_view name);

// "<PRI>Mmm dd hh:mm:ss ident[pid]: " for the broken-down local time `tm`.
std::string SyslogHeader(int facility, int severity, const std::tm& local_time, std::string_view ident,
                         int64_t pid);

struct SyslogOptions {
  std::string socket_path = "/dev/log";
  std::string ident = "audisp-imds";
  int facility = 4;  // auth
  int severity = 4;  // warning
  AlertFormat format = AlertFormat::kKeyValue;
  size_t queue_limit = 1024;        // messages held while the socket is away or full
  size_t max_message_bytes = 8192;  // whole datagram; rsyslog's default limit
  size_t max_value_bytes = kDefaultKeyValueValueCap;
  size_t max_args = 64;  // JSON process.args elements (args_count has the real count)
  // Seams for tests: the header's clock and pid. Defaults: time(), getpid().
  std::function<std::time_t()> clock;
  int64_t pid = -1;
};

class SyslogSink : public AlertSink {
 public:
  explicit SyslogSink(SyslogOptions options);
  // Tries once more to send what is queued (without blocking).
  ~SyslogSink() override;
  SyslogSink(const SyslogSink&) = delete;
  SyslogSink& operator=(const SyslogSink&) = delete;

  void Deliver(const Alert& alert) override;
  void Pump() override;
  // Drops the connection and connects again (a new /dev/log after the
  // daemon restarted); queued messages then go out. The error says why the
  // socket could not be reached; messages keep queueing meanwhile.
  std::optional<SinkError> Reopen() override;
  SinkStats stats() const override;

  bool connected() const { return fd_ >= 0; }
  // Why the last connect or send failed ("" when it has not), for status reports.
  const std::string& last_error() const { return last_error_; }

 private:
  enum class SendResult { kSent, kBusy, kUnavailable, kTooBig };

  std::string Header() const;
  bool Connect();
  void Disconnect();
  SendResult Send(const std::string& datagram);
  // Sends queued messages in order, then the drop summary once drained.
  void Flush();
  void Drop();
  std::string DropSummary() const;

  SyslogOptions options_;
  int fd_ = -1;
  std::deque<std::string> queue_;  // complete datagrams, oldest first
  uint64_t sent_ = 0;
  uint64_t dropped_ = 0;
  uint64_t unreported_drops_ = 0;
  std::string last_error_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_OUTPUT_SYSLOG_SINK_H
